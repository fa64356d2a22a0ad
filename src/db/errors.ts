/** A database problem the operator must act on; the service refuses to start. */
export class DatabaseError extends Error {
  override name = 'DatabaseError';
  constructor(
    readonly code:
      | 'DB_UNREACHABLE'
      | 'DB_LOCKED'
      | 'MIGRATION_FAILED'
      | 'MIGRATION_HISTORY_FOREIGN'
      | 'MIGRATION_HISTORY_FAILED'
      | 'MIGRATION_MODIFIED'
      | 'SCHEMA_NOT_EMPTY',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
