import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The seams the tree shows are enforced by ESLint (eslint.config.mjs), and `npm test` proves
 * the rule bites: each import below would compile, and would pull Node-only code into the Edge
 * middleware or let a page reach past the door.
 */
const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the Edge boundary', () => {
  it.each([
    ["import { readFileSync } from 'node:fs';", 'Node.js built-ins'],
    ["import { createHash } from 'crypto';", 'Node.js built-ins'],
    ["import argon2 from 'argon2';", 'Node-only package'],
    ["import Database from 'better-sqlite3';", 'Node-only package'],
    ["import { Kysely } from 'kysely';", 'Node-only package'],
    ["import { openStore } from '../store/open';", 'imports only lib/edge'],
    ["import { createGatehouse } from '../auth/gatehouse';", 'imports only lib/edge'],
    ["import { json } from '../http/responses';", 'imports only lib/edge'],
    ["import { auth } from '@/lib/server/auth';", 'imports only lib/edge'],
    ["import { headers } from 'next/headers';", 'imports only lib/edge'],
    // Spellings that reach another part of lib/ without starting with '../'.
    ["import { hash } from './../auth/passwords';", 'imports only lib/edge'],
    ["import { ROUTES } from '@/lib/edge/routes';", 'imports only lib/edge'],
    ["import { json } from '/work/lib/http/responses';", 'imports only lib/edge'],
    // A package nobody listed as Node-only is still not on the Edge allowlist.
    ["import Redis from 'some-new-driver';", 'imports only lib/edge'],
  ])('lib/edge refuses %s', async (code, why) => {
    expect((await restricted('lib/edge/new-file.ts', code)).join('\n')).toContain(why);
  });

  it('dynamic import() and require() are refused in Edge code, which the import rule cannot see', async () => {
    const [result] = await eslint.lintText("export const load = () => import('better-sqlite3');", {
      filePath: 'lib/edge/new-file.ts',
    });
    expect(result!.messages.map((m) => m.ruleId)).toContain('no-restricted-syntax');
  });

  it('middleware.ts may import lib/edge and nothing Node-only', async () => {
    expect(await restricted('middleware.ts', "import { gate } from './lib/edge/gate';")).toEqual([]);
    expect(await restricted('middleware.ts', "import { openStore } from './lib/store/open';")).toHaveLength(
      1,
    );
    expect(
      await restricted('middleware.ts', "import { createGatehouse } from '@/lib/auth/gatehouse';"),
    ).toHaveLength(1);
    expect(await restricted('middleware.ts', "import { cpus } from 'node:os';")).not.toEqual([]);
    expect(
      await restricted('middleware.ts', "import { hash } from './lib/edge/../auth/passwords';"),
    ).not.toEqual([]);
  });

  it('lib/edge may import lib/edge, jose, iron-session and next/server', async () => {
    const ok = [
      "import { verifyAccessToken } from './access-token';",
      "import { jwtVerify } from 'jose';",
      "import { sealData } from 'iron-session';",
      "import { NextResponse } from 'next/server';",
      "import { safeNextPath } from './safe-redirect';",
    ];
    for (const code of ok) expect(await restricted('lib/edge/new-file.ts', code), code).toEqual([]);
  });
});

describe('the door', () => {
  it.each([
    ["import { openStore } from '@/lib/store/open';"],
    ["import { createGatehouse } from '@/lib/auth/gatehouse';"],
    ["import { handleLogin } from '@/lib/http/handlers/login';"],
    ["import { getGatehouse } from '@/lib/server/runtime';"],
    ["import pg from 'pg';"],
  ])('app/ refuses %s', async (code) => {
    expect(await restricted('app/some-page/page.tsx', code)).toHaveLength(1);
  });

  it('app/ reaches auth through lib/server, lib/edge and lib/client', async () => {
    for (const code of [
      "import { auth, requireUser } from '@/lib/server/auth';",
      "import { adminOverview } from '@/lib/server/views';",
      "import { signIn } from '@/lib/server/actions';",
      "import { ROUTES } from '@/lib/edge/routes';",
    ]) {
      expect(await restricted('app/some-page/page.tsx', code), code).toEqual([]);
    }
  });

  it('the core never imports Next.js or the glue', async () => {
    expect(await restricted('lib/auth/new-file.ts', "import { headers } from 'next/headers';")).toHaveLength(
      1,
    );
    expect(await restricted('lib/store/new-file.ts', "import { auth } from '../server/auth';")).toHaveLength(
      1,
    );
    expect(await restricted('lib/http/new-file.ts', "import { cache } from 'react';")).toHaveLength(1);
  });
});
