/**
 * Decodes an object key as S3 event notifications carry it: form-encoded, so a space
 * arrives as '+', a real '+' as '%2B', and anything else non-ASCII as percent-encoded UTF-8.
 * The '+' must become a space before percent-decoding, or a real '+' would turn into one.
 *
 * @example
 * decodeObjectKey('uploads/c%2B%2B+logo%2Bv2.png'); // 'uploads/c++ logo+v2.png'
 * @throws {URIError} when the key holds a malformed percent escape.
 */
export function decodeObjectKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/**
 * The inverse, as S3 writes keys into notifications; the local stack uses it so that its
 * events look exactly like AWS's.
 *
 * @example
 * encodeObjectKey('uploads/c++ logo+v2.png'); // 'uploads/c%2B%2B+logo%2Bv2.png'
 */
export function encodeObjectKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}
