// @ts-check
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
    },
  },
  {
    // The codec is pure: bytes in, objects out. No sockets, files or timers (Tansu's sans-io rule).
    files: ['libs/protocol/src/**/*.ts', 'libs/errors/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules
            .flatMap((name) => [name, `node:${name}`])
            .map((name) => ({ name, message: 'libs/protocol is pure: no I/O or timers.' })),
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'fetch'].map((name) => ({
          name,
          message: 'libs/protocol is pure: no I/O or timers.',
        })),
      ],
    },
  },
  {
    files: ['**/*.mjs', 'scripts/**', '**/codegen/**'],
    rules: { 'no-console': 'off' },
  },
);
