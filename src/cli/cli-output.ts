/** Where a command writes: standard output for what it was asked for, standard error for the rest. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}
