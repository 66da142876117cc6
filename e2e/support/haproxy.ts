import { findHaproxy } from '../../scripts/support/cluster';

/** The cluster run (E2E_CLUSTER=1) needs HAProxy in front of the instances: say so, and how. */
export function requireHaproxy(): void {
  if (!findHaproxy())
    throw new Error(
      'E2E_CLUSTER=1 runs each e2e server as a cluster behind HAProxy, which is not installed (no `haproxy` on PATH).\n' +
        '  Debian/Ubuntu: sudo apt-get install -y haproxy   (it lands in /usr/sbin: keep that on PATH)\n' +
        '  macOS:         brew install haproxy',
    );
}
