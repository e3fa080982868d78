/**
 * Directory data (display names, error text from Graph) is attacker-controllable and can be huge: what
 * rules put into alerts is capped here, once. Escaping is the renderers' job, capping is ours, because
 * alerts are stored in state and written to Log Analytics as they are.
 */
export const NAME_MAX = 120;
export const TEXT_MAX = 400;

export function capText(value: string | null | undefined, max: number = TEXT_MAX): string | null {
  if (value == null) return null;
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export const capName = (value: string | null | undefined): string | null => capText(value, NAME_MAX);

/** "1 object", "3 objects". */
export const plural = (count: number, noun: string, nouns = `${noun}s`): string =>
  `${count} ${count === 1 ? noun : nouns}`;
