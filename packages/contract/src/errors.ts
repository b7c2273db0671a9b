/**
 * Raised at start-up when the contract document cannot be read, parsed or compiled: the
 * process must not serve requests against a contract it cannot enforce.
 *
 * @example
 * try { await import('@runq/contract') } catch (error) {
 *   if (error instanceof ContractDocumentError) console.error(error.code, error.pointer);
 * }
 */
export class ContractDocumentError extends Error {
  /** Stable code for logs and problem mapping. */
  readonly code = 'contract_document_invalid';
  /** JSON pointer into the OpenAPI document where the problem was found ('' = the document). */
  readonly pointer: string;

  /**
   * @param message what is wrong, in one line
   * @param pointer JSON pointer into the document
   * @param options standard `cause`
   */
  constructor(message: string, pointer: string, options?: ErrorOptions) {
    super(`${message} (at ${pointer === '' ? 'the document root' : pointer})`, options);
    this.name = 'ContractDocumentError';
    this.pointer = pointer;
  }
}
