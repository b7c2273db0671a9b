/** One system's enqueue operation, as driven by the load generator. */
export interface Producer {
  /** One enqueue; `sentAt` (wall-clock ms) travels with the job so that pickup latency can be measured. Throws on failure. */
  send(seq: number, sentAt: number): Promise<void>;
  /** Enqueues `count` jobs through the batch API (peers only). */
  sendBulk?(count: number, sentAt: number): Promise<void>;
  close(): Promise<void>;
}
