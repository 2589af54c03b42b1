// Reads from plain-TCP client and route sockets land in one shared buffer instead of a fresh 64 KiB
// allocation per read. Every read is parsed to the end before the next one starts, and the parsers
// copy out whatever they must keep (a split control line or payload), so one buffer serves every
// connection; a payload handed to a socket that cannot take it at once is copied (see isReadBuffer).
// Without it, the allocations and the page faults of freeing them cost more system time than the
// parsing itself on a busy publisher, and their garbage held the RSS near 100 MB.
//
// Node offers this as the `onread` option of `new net.Socket()`, which accepted sockets cannot take.
// The fields behind that option are set on the accepted socket instead; when this Node does not have
// them, the socket keeps its 'data' events.

import net from "node:net";

const shared = Buffer.allocUnsafeSlow(64 * 1024);

interface UserBufferHandle {
  useUserBuffer(buf: Uint8Array): void;
}

function onreadFields(): { buffer: symbol; callback: symbol } | null {
  // @types/node lists `onread` for net.connect() only, but the Socket constructor is what reads it.
  const opts = { onread: { buffer: Buffer.alloc(1), callback: () => true } };
  const probe = new net.Socket(opts as net.SocketConstructorOpts);
  const syms = Object.getOwnPropertySymbols(probe);
  probe.destroy();
  const buffer = syms.find((s) => s.description === "kBuffer");
  const callback = syms.find((s) => s.description === "kBufferCb");
  return buffer !== undefined && callback !== undefined ? { buffer, callback } : null;
}

const fields = onreadFields();

/** True when buf is the shared read buffer: bytes in it are valid only until the read handler returns. */
export function isReadBuffer(buf: Buffer): boolean {
  return buf === shared;
}

/**
 * Makes a socket that has just connected (before any read event) read into the shared buffer,
 * calling onRead(buf, n) for each read, and sets it flowing. Returns false, changing nothing, when
 * this Node cannot, so the caller keeps to 'data' events.
 */
export function readIntoShared(socket: net.Socket, onRead: (buf: Buffer, n: number) => void): boolean {
  const handle = (socket as unknown as { _handle?: Partial<UserBufferHandle> | null })._handle;
  if (fields === null || !handle || typeof handle.useUserBuffer !== "function") return false;
  const s = socket as unknown as Record<symbol, unknown>;
  s[fields.buffer] = shared;
  s[fields.callback] = (n: number, buf: Buffer): boolean => {
    onRead(buf, n);
    return true;
  };
  handle.useUserBuffer(shared);
  socket.resume();
  return true;
}
