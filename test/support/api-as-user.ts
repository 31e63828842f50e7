// One Engine API request over a unix socket, sent by a process running as another uid/gid (setpriv, no
// supplementary groups), so the gateway's unix listener sees that peer: for bodies the docker CLI does not
// send (a create that names a network only in NetworkingConfig). Answers the status and the body as text.
import { execFile } from 'node:child_process';

export interface ApiAnswer {
  status: number;
  body: string;
}

/** Runs in the child: argv = socket, method, path, body (JSON text or empty). */
const CLIENT = `
const [socketPath, method, path, body] = process.argv.slice(1);
const request = require('node:http').request({ socketPath, method, path, headers: body === '' ? {} : { 'content-type': 'application/json' } }, (response) => {
  let text = '';
  response.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('end', () => process.stdout.write(JSON.stringify({ status: response.statusCode, body: text })));
});
request.end(body === '' ? undefined : body);
`;

export function apiAsUser(uid: number, socketPath: string, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const args = [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', process.execPath, '-e', CLIENT, socketPath, method, path, body === undefined ? '' : JSON.stringify(body)];
  return new Promise((resolve, reject) => {
    execFile('setpriv', args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${error.message}: ${stderr}`));
      else resolve(JSON.parse(stdout) as ApiAnswer);
    });
  });
}
