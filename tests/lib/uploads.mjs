// Widget uploads (issue #13, docs/rest.md "Widget uploads"): small files and
// the HTTP calls the widget makes, for tests/integration/83-85.
import assert from 'node:assert/strict';
import { customer } from './harness.mjs';

export const PNG = Buffer.concat([
  Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
  Buffer.from('0000000d4944415478da63f8cfc0f01f0005000201a1e0b7d10000000049454e44ae426082', 'hex'),
]);
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

export async function upload(h, token, bytes, { name, text, clientId, locale, rawQuery, headers = {} } = {}) {
  const q = new URLSearchParams();
  if (name !== undefined) q.set('name', name);
  if (text !== undefined) q.set('text', text);
  if (clientId !== undefined) q.set('client_id', clientId);
  if (locale !== undefined) q.set('locale', locale);
  const hdrs = { 'content-type': 'application/octet-stream', ...headers };
  if (token) hdrs.authorization = `Bearer ${token}`;
  const res = await fetch(`${h.url}/api/v1/widget/uploads?${rawQuery ?? q}`, {
    method: 'POST', headers: hdrs, body: bytes, signal: AbortSignal.timeout(10000),
  });
  const body = await res.text();
  let json; try { json = JSON.parse(body); } catch {}
  return { status: res.status, headers: res.headers, json, body };
}

export async function fetchFile(h, id, headers) {
  const res = await fetch(`${h.url}/api/v1/media/upload/${id}`, { headers, signal: AbortSignal.timeout(10000) });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

// A customer with a ticket (uploads join the current conversation).
export async function customerWithTicket(h, text = 'hola, tengo un problema') {
  const cu = await customer(h, { locale: 'es', name: 'Paula' });
  cu.send({ type: 'message', client_id: 'first', text });
  const ack = await cu.next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === 'first');
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return { cu, ref: ack.ticket };
}

