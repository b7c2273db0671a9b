/** SQL text of every prepared statement → its name. Read by the pool (see `openDatabase`). */
const statementNames = new Map<string, string>();

/** The name under which pooled connections prepare `text`, when it is a `PreparedStatement`'s. */
export function preparedStatementName(text: string): string | undefined {
  return statementNames.get(text);
}

/** Records that `text` is prepared as `name`; a name may be given to one statement only. */
export function registerStatementName(text: string, name: string): void {
  if ([...statementNames.values()].includes(name)) throw new Error(`prepared statement ${name} is defined twice`);
  statementNames.set(text, name);
}
