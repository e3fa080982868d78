/**
 * A minimal structured logger port. Functions pass InvocationContext's log methods, the CLI writes
 * to stderr. Properties must never carry secrets (tokens, webhook URLs, keys).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogProps = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, props?: LogProps): void;
  info(message: string, props?: LogProps): void;
  warn(message: string, props?: LogProps): void;
  error(message: string, props?: LogProps): void;
}

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(
  write: (level: LogLevel, line: string) => void,
  minimum: LogLevel = 'info',
): Logger {
  const emit = (level: LogLevel) => (message: string, props?: LogProps) => {
    if (order[level] < order[minimum]) return;
    write(level, props && Object.keys(props).length > 0 ? `${message} ${JSON.stringify(props)}` : message);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = createLogger(() => undefined);

/** The logging methods of an Azure Functions InvocationContext, without importing @azure/functions into the core. */
export interface ContextLogMethods {
  debug(...args: unknown[]): void;
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export function loggerFor(context: ContextLogMethods, minimum: LogLevel = 'info'): Logger {
  return createLogger((level, line) => {
    if (level === 'debug') context.debug(line);
    else if (level === 'info') context.log(line);
    else if (level === 'warn') context.warn(line);
    else context.error(line);
  }, minimum);
}
