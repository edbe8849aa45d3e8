/** Ethernet (EUI-48) addresses as lowercase `aa:bb:cc:dd:ee:ff` strings. */

export const MAC_LENGTH = 6;
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
const MAC_TEXT = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, MAC_LENGTH), (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Parse `aa:bb:cc:dd:ee:ff`; null when the text is not a MAC address. */
export function parseMac(text: string): Buffer | null {
  if (!MAC_TEXT.test(text)) return null;
  return Buffer.from(text.split(':').map((h) => parseInt(h, 16)));
}
