// @ts-check
import { readdirSync } from 'node:fs';
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'net',
  'fs',
  'fs/promises',
  'timers',
  'timers/promises',
  'dgram',
  'tls',
  'http',
  'https',
  'child_process',
  'worker_threads',
];

// Every folder under apps/ is a process, published as the package @strom/<folder>.
const apps = readdirSync(new URL('./apps/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

// apps/strom is the composition root: embedded mode runs every app's NestJS module in one process,
// so it alone may import apps. No other app or lib may, and nothing may import apps/strom.
const compositionRoot = 'strom';

/**
 * no-restricted-imports patterns that ban importing the given apps' packages.
 * @param {string[]} banned
 * @param {string} message
 */
const appImportBans = (banned, message) =>
  banned.flatMap((name) => [
    { group: [`@strom/${name}`, `@strom/${name}/*`], message },
    // The same package reached by a relative path (`../../coordinator/src/…`, `../apps/broker/…`).
    { regex: `^(\\.\\./)+(apps/)?${name}/`, message },
  ]);

const appsApartMessage =
  'Apps never import apps: they talk over the bus, and what crosses it (subjects, DTOs, internal topic names) lives in @strom/contracts.';
const libsApartMessage = 'Libs never import apps.';

const pureMessage = 'libs/protocol, libs/errors, libs/contracts and libs/replication are pure: no I/O or timers.';
const ioBans = ioModules.flatMap((name) => [name, `node:${name}`]).map((name) => ({ name, message: pureMessage }));

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', 'data/**', 'bench/results/**', 'coverage/**'],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
      // Chosen once (README): non-public members are TypeScript's `private`, never `#` fields.
      'no-restricted-syntax': [
        'error',
        { selector: 'PrivateIdentifier', message: 'Mark non-public members `private` (README, "The repository"), not with `#`.' },
      ],
    },
  },
  ...apps
    .filter((app) => app !== compositionRoot)
    .map((app) => ({
      files: [`apps/${app}/**`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: appImportBans(
              apps.filter((other) => other !== app),
              appsApartMessage,
            ),
          },
        ],
      },
    })),
  {
    files: ['libs/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: appImportBans(apps, libsApartMessage) }] },
  },
  {
    // The codec, the bus contracts and replication's state machines are pure: values in, values out.
    // No sockets, files, timers or clocks (Tansu's sans-io rule; replication's deterministic simulation).
    // (A later config replaces a rule's options, so the libs' app bans are repeated here.)
    files: ['libs/protocol/src/**/*.ts', 'libs/errors/src/**/*.ts', 'libs/contracts/src/**/*.ts', 'libs/replication/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ioBans, patterns: appImportBans(apps, libsApartMessage) }],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'fetch'].map((name) => ({
          name,
          message: pureMessage,
        })),
      ],
    },
  },
  {
    // Command-line programs: their output is the report.
    files: ['**/*.mjs', 'scripts/**', '**/codegen/**', 'test/compat/*/run.ts'],
    rules: { 'no-console': 'off' },
  },
);
