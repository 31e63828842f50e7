// IPv6 addresses as text, as inet_ntop writes them (RFC 5952): groups in lowercase hexadecimal without
// leading zeros, and the longest run of two or more zero groups (the first of equal runs) as `::`, so
// that equal addresses print the same however they were written or read. Used for the networks of a
// listener's allow-list and for the listening addresses `dockgate audit` reads from /proc/net/tcp6.

/** The 16 bytes of an IPv6 address, in network order, as text. */
export function ipv6Text(bytes: readonly number[]): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start === -1) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}
