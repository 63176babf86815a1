/** "41 days", "5 h", "7 min", "25 s": whole units, rounded down; what plans and reports print for a length of time. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s >= 86_400) return `${Math.floor(s / 86_400)} day${s >= 2 * 86_400 ? 's' : ''}`;
  if (s >= 3600) return `${Math.floor(s / 3600)} h`;
  if (s >= 60) return `${Math.floor(s / 60)} min`;
  return `${Math.max(s, 0)} s`;
}
