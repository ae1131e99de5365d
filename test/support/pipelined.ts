import net from 'node:net';

/**
 * Sends raw HTTP/1.1 requests in one write on one connection (pipelining), so that the server
 * reads them all in one turn of its event loop, and resolves with everything it answered once
 * there are as many answers as requests.
 */
export function sendPipelined(url: string, requests: string[]): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(requests.join('')));
    socket.on('data', (chunk) => {
      received += chunk;
      // An answer's status line follows the body before it, with no line break between.
      if ((received.match(/HTTP\/1\.1 \d{3} /g) ?? []).length === requests.length) {
        socket.end();
        resolve(received);
      }
    });
    socket.on('error', reject);
  });
}
