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
 * against the connection variables' names, in V8's interpreter (see cli/memory.ts).
 */
export function editDistance(a: string, b: string): number {
  const row = [0];
  for (let j = 1; j <= b.length; j++) row.push(j);
  for (let i = 1; i <= a.length; i++) {
    const char = a.charCodeAt(i - 1);
    // The distance of a's first i-1 characters to b's first j-1 (the cell up and to the left).
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      let d = char === b.charCodeAt(j - 1) ? diagonal : diagonal + 1;
      if (above + 1 < d) d = above + 1;
      if (row[j - 1]! + 1 < d) d = row[j - 1]! + 1;
      row[j] = d;
      diagonal = above;
    }
  }
  return row[b.length]!;
}
