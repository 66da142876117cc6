/**
 * HAProxy's counters for the cluster's backend, from the stats listener (startCluster's
 * `statsPort`), CSV at `/;csv`: what the balancer did about the requests no instance answered.
 */
export interface BalancerCounters {
  /** Retries of a request (conn-failure, empty-response, response-timeout). */
  readonly retries: number;
  /** Retries sent to another instance than the first. */
  readonly redispatches: number;
  /** Requests that could not connect to an instance. */
  readonly connectionErrors: number;
  /** Responses cut off or never sent by an instance. */
  readonly responseErrors: number;
  /** 5xx answers to clients, the balancer's own included. */
  readonly answered5xx: number;
  /** Each instance's state, e.g. { app1: 'UP', app2: 'DOWN' }. */
  readonly states: Readonly<Record<string, string>>;
}

export async function balancerCounters(statsPort: number): Promise<BalancerCounters> {
  const csv = await (await fetch(`http://127.0.0.1:${statsPort}/;csv`)).text();
  const [header = '', ...lines] = csv.trim().split('\n');
  const fields = header.replace(/^# /, '').split(',');
  const rows = lines.map((line) => {
    const values = line.split(',');
    return Object.fromEntries(fields.map((f, i) => [f, values[i] ?? '']));
  });
  const backend = rows.find((r) => r.pxname === 'instances' && r.svname === 'BACKEND');
  if (!backend) throw new Error('no backend "instances" in the HAProxy stats');
  const n = (key: string) => Number(backend[key] || 0);
  return {
    retries: n('wretr'),
    redispatches: n('wredis'),
    connectionErrors: n('econ'),
    responseErrors: n('eresp'),
    answered5xx: n('hrsp_5xx'),
    states: Object.fromEntries(
      rows
        .filter((r) => r.pxname === 'instances' && r.svname !== 'BACKEND')
        .map((r) => [r.svname, r.status ?? '']),
    ),
  };
}

/** The change in each counter between two readings. */
export function since(before: BalancerCounters, after: BalancerCounters): BalancerCounters {
  return {
    retries: after.retries - before.retries,
    redispatches: after.redispatches - before.redispatches,
    connectionErrors: after.connectionErrors - before.connectionErrors,
    responseErrors: after.responseErrors - before.responseErrors,
    answered5xx: after.answered5xx - before.answered5xx,
    states: after.states,
  };
}
