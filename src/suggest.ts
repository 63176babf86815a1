/** The known name closest to `name` (edit distance ≤ 2, or ≤ a third of its length), if any. */
export function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Levenshtein distance, in one row updated in place: every variable of every host is measured
 * against the connection variables' names, in V8's interpreter (see cli/memory.ts). Past `max`
 * it stops and answers max + 1 (a row's least value never shrinks in the rows after it).
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const row = [0];
  for (let j = 1; j <= b.length; j++) row.push(j);
  for (let i = 1; i <= a.length; i++) {
    const char = a.charCodeAt(i - 1);
    // The distance of a's first i-1 characters to b's first j-1 (the cell up and to the left).
    let diagonal = row[0]!;
    row[0] = i;
    let least = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      let d = char === b.charCodeAt(j - 1) ? diagonal : diagonal + 1;
      if (above + 1 < d) d = above + 1;
      if (row[j - 1]! + 1 < d) d = row[j - 1]! + 1;
      row[j] = d;
      diagonal = above;
      if (d < least) least = d;
    }
    if (least > max) return max + 1;
  }
  return row[b.length]!;
}

/** Whether the edit distance of `a` and `b` is at most `max` (measured only that far). */
export function withinEditDistance(a: string, b: string, max: number): boolean {
  return editDistance(a, b, max) <= max;
}
