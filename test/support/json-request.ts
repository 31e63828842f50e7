// One request with an optional JSON body over an undici Client or Pool, answered as status and text: the shape
// the load tests send their creates and deletes in.
import type { Dispatcher } from 'undici';

export interface JsonAnswer {
  statusCode: number;
  text: string;
}

export async function sendJson(client: Dispatcher, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<JsonAnswer> {
  const response = await client.request({
    method,
    path,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { statusCode: response.statusCode, text: await response.body.text() };
}
