/** A person as a coloured disc with their initials; the colour stays the same for a name everywhere it shows. */

const COLOURS = 6;

/** Up to two initials ("alice" → "A", "Bob Smith" → "BS", "CORP\\jane.doe" or "jane.doe@corp" → "JD"). */
export function initials(name: string): string {
  const base = name.split('\\').at(-1)!.split('@')[0] || name;
  const parts = base.split(/[\s._-]+/).filter(Boolean);
  const letters = (parts.length > 1 ? [parts[0]!, parts.at(-1)!] : [base]).map((p) => [...p][0] ?? '');
  return letters.join('').toUpperCase() || '?';
}

function colourOf(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)!) >>> 0;
  return hash % COLOURS;
}

/** Decorative: the name is always said next to it (or in the control it sits in). */
export function Avatar({ name, className }: { name: string; className?: string }) {
  return (
    <span className={`avatar avatar-c${colourOf(name)}${className ? ` ${className}` : ''}`} aria-hidden="true">
      {initials(name)}
    </span>
  );
}
