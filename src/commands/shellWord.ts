/**
 * A value as one word of a POSIX shell command line (bash, zsh), for the commands the CLI prints for the
 * user to paste: left bare when it holds nothing a shell reads, else in single quotes, where nothing is
 * expanded ($HOME, backticks, !) and a quote is written '\''. JSON.stringify's double quotes let the
 * shell expand a DN such as CN=Megan $HOME Bowen into another one than was shown.
 */
export function shellWord(value: string): string {
  if (/^[\w@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
