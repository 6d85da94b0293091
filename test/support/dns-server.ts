import dgram from 'node:dgram';
import ipaddr from 'ipaddr.js';

const types = { A: 1, PTR: 12, AAAA: 28 } as const;
type RecordType = keyof typeof types;

export interface DnsRecord {
  readonly type: RecordType;
  /** A host name (PTR) or an address (A, AAAA). */
  readonly value: string;
  readonly ttl?: number;
}

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, as CRAWLER_DNS_SERVERS takes it. */
  readonly address: string;
  /** Every question received, as `TYPE name`. */
  readonly questions: string[];
  /** Sets the records of a name (replacing any); no records at all answers NXDOMAIN. */
  set(name: string, records: readonly DnsRecord[]): void;
  close(): Promise<void>;
}

function readName(message: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let offset = start;
  while (message[offset] !== 0) {
    const length = message[offset]!;
    labels.push(message.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), end: offset + 1 };
}

function encodeName(name: string): Buffer {
  const parts = name.split('.').filter((label) => label.length > 0).map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

function rdataOf(record: DnsRecord): Buffer {
  if (record.type === 'PTR') return encodeName(record.value);
  return Buffer.from(ipaddr.parse(record.value).toByteArray());
}

/**
 * A DNS server on a loopback UDP port, answering PTR, A and AAAA questions from the records
 * a test sets: enough for Node's resolver, nothing more. `silent` never answers (a dead resolver).
 */
export async function startDnsServer(options: { silent?: boolean } = {}): Promise<TestDnsServer> {
  const records = new Map<string, DnsRecord[]>();
  const questions: string[] = [];
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, peer) => {
    const { name, end } = readName(message, 12);
    const qtype = message.readUInt16BE(end);
    const typeName = (Object.keys(types) as RecordType[]).find((t) => types[t] === qtype) ?? String(qtype);
    questions.push(`${typeName} ${name}`);
    if (options.silent) return;
    const known = records.get(name);
    const answers = (known ?? []).filter((r) => types[r.type] === qtype);
    const header = Buffer.alloc(12);
    message.copy(header, 0, 0, 2);
    // A response, recursion desired and available; NXDOMAIN for an unknown name.
    header.writeUInt16BE(0x8180 | (known === undefined ? 3 : 0), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const question = message.subarray(12, end + 4);
    const body = answers.map((record) => {
      const rdata = rdataOf(record);
      const fixed = Buffer.alloc(12);
      fixed.writeUInt16BE(0xc00c, 0);
      fixed.writeUInt16BE(types[record.type], 2);
      fixed.writeUInt16BE(1, 4);
      fixed.writeUInt32BE(record.ttl ?? 300, 6);
      fixed.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([fixed, rdata]);
    });
    socket.send(Buffer.concat([header, question, ...body]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    questions,
    set(name, list) {
      records.set(name.toLowerCase(), [...list]);
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The PTR name of an IPv4 address. */
export const ptrNameOf = (address: string) => `${address.split('.').reverse().join('.')}.in-addr.arpa`;
