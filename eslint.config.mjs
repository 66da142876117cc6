import js from '@eslint/js';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/**
 * The seams of the tree, enforced (README "Layout"):
 *
 *   middleware.ts, lib/edge/  run on the Edge runtime: Web Crypto and jose only — no Node
 *                             built-ins, no database drivers, no argon2, and nothing from the
 *                             rest of lib/ (which could pull those in transitively).
 *   lib/auth, lib/store,      the framework-free core: never Next.js, React or the glue.
 *   lib/http
 *   app/                      pages and routes reach auth only through lib/server (auth(),
 *                             read models, actions, the bound API routes), lib/edge (routes,
 *                             error codes) and lib/client — never the store or core internals.
 */
const NODE_ONLY_PACKAGES = [
  'better-sqlite3',
  'pg',
  'kysely',
  'argon2',
  'ioredis',
  'rate-limiter-flexible',
  'ipaddr.js',
  'cookie',
  'server-only',
  'tsx',
  '@zxcvbn-ts/*',
];
const nodeBuiltins = [...builtinModules.filter((m) => !m.startsWith('_')), 'node:*'];

/**
 * An allowlist, not a denylist: an Edge file may import its siblings (`./name`, no `..`
 * anywhere) and the few packages known to run on Web APIs alone. Anything else — a Node
 * built-in, a driver, another part of lib/ reached by any spelling — is refused, with the
 * message for the likeliest mistake.
 */
const EDGE_PACKAGES = ['jose', 'next/server', 'iron-session'];
const edgeOnly = (sibling) => ({
  patterns: [
    { group: nodeBuiltins, message: 'Edge code runs without Node.js built-ins (lib/edge is Web APIs only).' },
    { group: NODE_ONLY_PACKAGES, message: 'A Node-only package: keep it out of the Edge middleware.' },
    {
      regex: `^(?!(${sibling}|${EDGE_PACKAGES.map((p) => p.replace('/', '\\/')).join('|')})$)`,
      message: `Edge code imports only lib/edge and ${EDGE_PACKAGES.join(', ')}: anything else may pull in Node-only code.`,
    },
  ],
});

/** import() and require() would slip past no-restricted-imports. */
const noDynamicImports = {
  'no-restricted-syntax': [
    'error',
    {
      selector: 'ImportExpression',
      message: 'No dynamic import in Edge code: the boundary rule cannot see it.',
    },
    { selector: "CallExpression[callee.name='require']", message: 'No require() in Edge code.' },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.next/',
      '.data/',
      '.tmp/',
      'next-env.d.ts',
      'test-results/',
      'playwright-report/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-sequences': 'off',
    },
  },
  {
    files: ['lib/edge/**/*.ts'],
    ignores: ['lib/edge/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', edgeOnly('\\./[\\w-]+(\\.[\\w-]+)*')], ...noDynamicImports },
  },
  {
    files: ['middleware.ts'],
    rules: {
      'no-restricted-imports': ['error', edgeOnly('\\./lib/edge/[\\w-]+(\\.[\\w-]+)*')],
      ...noDynamicImports,
    },
  },
  {
    files: ['lib/auth/**/*.ts', 'lib/store/**/*.ts', 'lib/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['next', 'next/*', 'react', 'react-dom'],
              message: 'The core is framework-free: Next.js belongs in lib/server.',
            },
            {
              regex: '(^|/)(server|client)/',
              message: 'The core never imports the Next.js glue; the glue imports the core.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['app/**/*.ts', 'app/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: NODE_ONLY_PACKAGES,
              message: 'Pages reach data through lib/server (auth(), read models, actions).',
            },
            {
              regex: '(^@/lib/|/lib/)(auth|store|http)(/|$)',
              message:
                'Pages and routes use the door (lib/server/auth.ts), read models and actions, not the core or the store.',
            },
            {
              regex: '(^@/lib/|/lib/)server/runtime',
              message: 'The Gatehouse instance is private to lib/server.',
            },
          ],
        },
      ],
    },
  },
);
