import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules/**', 'dist/**', 'data/**', 'coverage/**', 'migrations/**'] }),
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fastify*', 'grammy*', 'drizzle-orm*', 'ioredis*', 'stripe*', 'pg', '@electric-sql/*'], message: 'domain imports only domain' },
          { group: ['**/adapters/**', '**/http/**', '**/usecases/**'], message: 'domain imports only domain' }
        ]
      }]
    }
  },
  {
    files: ['src/usecases/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/adapters/**', '**/http/**', 'fastify*', 'grammy*', 'ioredis*', 'stripe*'], message: 'usecases import domain only' }]
      }]
    }
  }
]
