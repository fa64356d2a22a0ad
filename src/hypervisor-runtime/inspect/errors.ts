import type { SourceFormat } from './types.ts';

export type InspectErrorCode = 'MALFORMED' | 'UNKNOWN_FORMAT' | 'UNREADABLE';

/**
 * A configuration inspect cannot read: MALFORMED names the format and the line (and column where the parser
 * knows it); UNKNOWN_FORMAT says the file is none of the formats inspect reads; UNREADABLE that it could not
 * be opened or unpacked.
 */
export class InspectError extends Error {
  override name = 'InspectError';
  constructor(
    readonly code: InspectErrorCode,
    /** What is wrong, without the file and line. */
    readonly reason: string,
    readonly details: { format?: SourceFormat; line?: number; column?: number; file?: string } = {},
  ) {
    const where = details.line === undefined ? '' : `line ${details.line}${details.column === undefined ? '' : `:${details.column}`}: `;
    super(`${details.file ? `${details.file}: ` : ''}${where}${reason}`);
  }
  /** The same error, naming the file it is in. */
  inFile(file: string): InspectError {
    return new InspectError(this.code, this.reason, { ...this.details, file });
  }
  toJSON() {
    return { code: this.code, message: this.message, ...this.details };
  }
}

export function malformed(format: SourceFormat, line: number | undefined, message: string, column?: number): InspectError {
  return new InspectError('MALFORMED', message, { format, line, column });
}
