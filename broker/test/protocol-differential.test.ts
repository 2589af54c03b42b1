// Differential conformance: each byte session below is sent to nats-server 2.9 and to skein, and
// the replies (bytes after INFO, and whether the server closed the connection) must be identical.
// The sessions are the odd corners of the grammar that clients and fuzzers hit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { canonical, recordSession } from "./harness/transcript.js";
import { skipReason, startServer, type RunningServer, type TestServerOptions } from "./harness/servers.js";

const C = 'CONNECT {"verbose":false,"pedantic":false}\r\n';
const CH = 'CONNECT {"verbose":false,"pedantic":false,"headers":true}\r\n';

// name -> session (an array is sent as separate TCP writes)
const SESSIONS: Record<string, string | string[]> = {
  "verbose default, PUB before CONNECT": "SUB a 1\r\nPUB a 1\r\nx\r\nPING\r\n",
  "CONNECT with no argument": "CONNECT\r\n",
  "CONNECT with trailing junk": "CONNECT {} junk\r\nPING\r\n",
  "CONNECT with a trailing blank": 'CONNECT {"verbose":false} \r\nPING\r\n',
  "CONNECT null": "CONNECT null\r\nPING\r\n",
  "CONNECT array": "CONNECT []\r\n",
  "CONNECT wrong field type": 'CONNECT {"verbose":"true"}\r\n',
  "CONNECT pedantic only": 'CONNECT {"pedantic":false}\r\nPUB a.* 0\r\n\r\nPING\r\n',
  "CONNECT echo false protocol 0": 'CONNECT {"verbose":false,"echo":false,"protocol":0}\r\nSUB a 1\r\nPUB a 0\r\n\r\nPING\r\n',
  "CONNECT protocol -1": 'CONNECT {"verbose":false,"protocol":-1}\r\nPING\r\n',
  "CONNECT twice": `${C}${C}PING\r\n`,
  "CONNECT split in the JSON": ['CONNECT {"verb', 'ose":false}\r\nPING\r\n'],
  "client sends +OK": `${C}+OK\r\nPING\r\n`,
  "client sends -ERR": `${C}-ERR 'x'\r\n`,
  "client sends INFO": `${C}INFO {}\r\nPING\r\n`,
  "client sends MSG": `${C}MSG a 1 0\r\n\r\n`,
  "PINGX": `${C}PINGX\r\n`,
  "PONGX": `${C}PONGX\r\nPING\r\n`,
  "PONG with argument": `${C}PONG foo\r\nPING\r\n`,
  "P alone": `${C}P\r\n`,
  "PUBS": `${C}PUBS foo 2\r\nok\r\n`,
  "SUBZZZ": `${C}SUBZZZ foo 1\r\n`,
  "UNSUBZ": `${C}UNSUBZ 1\r\n`,
  "HPUBX": `${CH}HPUBX foo 12 12\r\n`,
  "CONNECTX": 'CONNECTX {"verbose":false}\r\n',
  "PINGPONG": `${C}PINGPONG\r\nPING\r\n`,
  "PONGPING": `${C}PONGPING\r\nPING\r\n`,
  "PIN": `${C}PIN\r\n`,
  "PO": `${C}PO\r\n`,
  "H alone": `${CH}H\r\n`,
  "U alone": `${C}U\r\n`,
  "C alone": "C\r\n",
  "M alone": `${C}M\r\n`,
  "+O alone": `${C}+O\r\nPING\r\n`,
  "+OKAY": `${C}+OKAY\r\nPING\r\n`,
  "-E alone": `${C}-E\r\n`,
  "-ERR without text": `${C}-ERR\r\n`,
  "INFO without JSON": `${C}INFO\r\nPING\r\n`,
  "INFO with bad JSON": `${C}INFO {bad\r\nPING\r\n`,
  "INFO with connect_urls": `${C}INFO {"connect_urls":["127.0.0.1:1"]}\r\nPING\r\n`,
  "PU alone": `${C}PU\r\n`,
  "lowercase everything": 'connect {"verbose":false}\r\nsub a 1\r\npub a 1\r\nx\r\nunsub 1\r\nping\r\n',
  "mixed case HPUB": `${CH}SUB a 1\r\nhPuB a 12 12\r\nNATS/1.0\r\n\r\n\r\nPING\r\n`,
  "size with leading zeros": `${C}SUB a 1\r\nPUB a 002\r\nhi\r\nPING\r\n`,
  "size with plus sign": `${C}PUB a +2\r\nhi\r\n`,
  "size too large for a number": `${C}PUB a 99999999999999999999\r\n`,
  "size just over max_payload": `${C}PUB a 1048577\r\n`,
  "size exactly max_payload, no payload yet": `${C}PUB a 1048576\r\n`,
  "alphanumeric sid": `${C}SUB a abc\r\nPUB a 0\r\n\r\nPING\r\n`,
  "duplicate sid on another subject": `${C}SUB a 1\r\nSUB b 1\r\nPUB b 0\r\n\r\nPUB a 0\r\n\r\nPING\r\n`,
  "duplicate sid same subject": `${C}SUB a 1\r\nSUB a 1\r\nPUB a 0\r\n\r\nPING\r\n`,
  "sid with queue and tabs": `${C}SUB\ta\tq\t1\r\nPUB a 0\r\n\r\nPING\r\n`,
  "wildcard reply subject": `${C}SUB a 1\r\nPUB a r.* 0\r\n\r\nPING\r\n`,
  "wildcard reply subject, pedantic": 'CONNECT {"verbose":false}\r\nSUB a 1\r\nPUB a r.* 0\r\n\r\nPING\r\n',
  "empty-token reply subject": `${C}SUB a 1\r\nPUB a r..x 0\r\n\r\nPING\r\n`,
  "UNSUB huge max": `${C}SUB a 1\r\nUNSUB 1 99999999999999999999\r\nPUB a 0\r\n\r\nPING\r\n`,
  "UNSUB negative max": `${C}SUB a 1\r\nUNSUB 1 -1\r\nPUB a 0\r\n\r\nPING\r\n`,
  "UNSUB no sid": `${C}UNSUB \r\n`,
  "SUB subject only": `${C}SUB a\r\n`,
  "PUB subject only": `${C}PUB a\r\n`,
  "PUB no args": `${C}PUB\r\n`,
  "PUB blank args": `${C}PUB   \r\n`,
  "SUB four args": `${C}SUB a q 1 x\r\n`,
  "PUB four args": `${C}PUB a r 1 x\r\n`,
  "HPUB without headers": `${C}HPUB a 12 12\r\nNATS/1.0\r\n\r\n\r\n`,
  "HPUB sizes swapped": `${CH}HPUB a 14 12\r\n`,
  "HPUB non-numeric header size": `${CH}HPUB a x 12\r\n`,
  "HPUB header equals total": `${CH}SUB a 1\r\nHPUB a 12 12\r\nNATS/1.0\r\n\r\n\r\nPING\r\n`,
  "HPUB to a non-headers sub on same client": 'CONNECT {"verbose":false,"headers":true}\r\nSUB a 1\r\nHPUB a r 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\n',
  "HPUB status header": `${CH}SUB a 1\r\nHPUB a 16 16\r\nNATS/1.0 503\r\n\r\n\r\nPING\r\n`,
  "payload CR then LF in separate writes": [`${C}SUB a 1\r\nPUB a 2\r\nhi\r`, "\nPING\r\n"],
  "payload split mid-body": [`${C}SUB a 1\r\nPUB a 5\r\nhe`, "llo\r\nPING\r\n"],
  "control line split after verb": [`${C}SUB a 1\r\nPU`, "B a 1\r\nx\r\nPING\r\n"],
  "control line split in CRLF": [`${C}SUB a 1\r`, "\nPING\r\n"],
  "payload followed by bare LF": `${C}SUB a 1\r\nPUB a 2\r\nhi\n`,
  "payload followed by CR CR": `${C}SUB a 1\r\nPUB a 2\r\nhi\r\r\n`,
  "CR without LF on a control line": `${C}PING\rPING\r\n`,
  "empty line": `${C}\r\n`,
  "bare LF line": `${C}\n`,
  "leading blank": `${C} PING\r\n`,
  "NUL byte": `${C}\u0000PING\r\n`,
  "high byte in subject": `${C}SUB a\u00e9 1\r\nPUB a\u00e9 1\r\nx\r\nPING\r\n`,
  "subject of one dot": `${C}SUB . 1\r\nPING\r\n`,
  "subject ending in >": `${C}SUB a.> 1\r\nPUB a 0\r\n\r\nPUB a.b 0\r\n\r\nPING\r\n`,
  "full wildcard >": `${C}SUB > 1\r\nPUB a.b.c 0\r\n\r\nPING\r\n`,
  "wildcard in the middle of a token": `${C}SUB a*.b 1\r\nPUB a*.b 0\r\n\r\nPUB ax.b 0\r\n\r\nPING\r\n`,
  "> in the middle of a token": `${C}SUB a.b> 1\r\nPUB a.b> 0\r\n\r\nPING\r\n`,
  "queue name with wildcard": `${C}SUB a q.* 1\r\nPUB a 0\r\n\r\nPING\r\n`,
  "queue group one member many messages": `${C}SUB a q 1\r\nPUB a 0\r\n\r\nPUB a 0\r\n\r\nPING\r\n`,
  "echo false single client": 'CONNECT {"verbose":false,"echo":false}\r\nSUB a 1\r\nPUB a 0\r\n\r\nPING\r\n',
  "no_responders without reply subscription": 'CONNECT {"verbose":false,"headers":true,"no_responders":true}\r\nPUB nobody r 0\r\n\r\nPING\r\n',
  "no_responders HPUB request": 'CONNECT {"verbose":false,"headers":true,"no_responders":true}\r\nSUB r 1\r\nHPUB nobody r 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\n',
  "no_responders with queue reply sub": 'CONNECT {"verbose":false,"headers":true,"no_responders":true}\r\nSUB r q 1\r\nPUB nobody r 0\r\n\r\nPING\r\n',
  "verbose errors keep +OK order": "SUB a.. 1\r\nSUB a 2\r\nPING\r\n",
  "verbose UNSUB unknown": "UNSUB 5\r\nPING\r\n",
  "many PINGs in one write": `${C}${"PING\r\n".repeat(20)}`,
  // CONNECT is decoded as nats-server's Go struct: keys match case-insensitively, null is a no-op,
  // a wrong type is an error.
  "CONNECT upper-case keys": 'CONNECT {"VERBOSE":false,"Pedantic":false}\r\nPUB a.* 0\r\n\r\nPING\r\n',
  "CONNECT verbose null": 'CONNECT {"verbose":null}\r\nPING\r\n',
  "CONNECT verbose number": 'CONNECT {"verbose":0}\r\n',
  "CONNECT protocol string": 'CONNECT {"verbose":false,"protocol":"1"}\r\n',
  "CONNECT name number": 'CONNECT {"verbose":false,"name":5}\r\n',
  "CONNECT duplicate key": 'CONNECT {"verbose":false,"verbose":true}\r\nPING\r\n',
  "CONNECT unknown key of any type": 'CONNECT {"verbose":false,"x":[1,{"y":null}],"z":"\\u00e9"}\r\nPING\r\n',
  "CONNECT JSON then garbage": 'CONNECT {"verbose":false}x\r\n',
  "CONNECT leading blanks": 'CONNECT  \t {"verbose":false}\r\nPING\r\n',
  "CONNECT JSON with spaces": 'CONNECT { "verbose" : false , "pedantic" : false }\r\nPING\r\n',
  "CONNECT string": 'CONNECT "x"\r\n',
  "CONNECT number": "CONNECT 1\r\n",
  // Sizes are parsed as nats-server's parseSize: at most 9 digits, digits only.
  "size of 9 digits": `${C}PUB a 999999999\r\n`,
  "size of 10 digits": `${C}PUB a 1234567890\r\n`,
  "size in hex": `${C}PUB a 0x10\r\n`,
  "size with exponent": `${C}PUB a 1e2\r\n`,
  "size minus zero": `${C}PUB a -0\r\n`,
  "UNSUB max of 10 digits": `${C}SUB a 1\r\nUNSUB 1 1234567890\r\nPUB a 0\r\n\r\nPING\r\n`,
  "UNSUB max of 9 digits": `${C}SUB a 1\r\nUNSUB 1 123456789\r\nPUB a 0\r\n\r\nPING\r\n`,
  "UNSUB max with leading zeros": `${C}SUB a 1\r\nUNSUB 1 002\r\nPUB a 0\r\n\r\nPUB a 0\r\n\r\nPUB a 0\r\n\r\nPING\r\n`,
  "UNSUB max with junk": `${C}SUB a 1\r\nUNSUB 1 2x\r\nPUB a 0\r\n\r\nPING\r\n`,
  "HPUB sizes with leading zeros": `${CH}SUB a 1\r\nHPUB a 012 014\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\n`,
  "HPUB header size of 10 digits": `${CH}HPUB a 1234567890 12\r\n`,
  // CONNECT fields for features this server has not configured.
  "CONNECT tls_required on a plain server": 'CONNECT {"verbose":false,"tls_required":true}\r\nPING\r\n',
  "CONNECT jwt without operator mode": 'CONNECT {"verbose":false,"jwt":"eyJ0eXAiOiJKV1QifQ.e30.sig","sig":"abc"}\r\nPING\r\n',
  "CONNECT nkey without nkeys": 'CONNECT {"verbose":false,"nkey":"UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4","sig":"x"}\r\nPING\r\n',
  "CONNECT account fields": 'CONNECT {"verbose":false,"account":"A","new_account":true}\r\nPING\r\n',
  "CONNECT headers with protocol 0": 'CONNECT {"verbose":false,"headers":true,"protocol":0}\r\nSUB a 1\r\nHPUB a 12 12\r\nNATS/1.0\r\n\r\n\r\nPING\r\n',
  "CONNECT huge protocol": 'CONNECT {"verbose":false,"protocol":99999999999}\r\n',
  "CONNECT float protocol": 'CONNECT {"verbose":false,"protocol":1.0}\r\n',
  "CONNECT empty object with blanks": "CONNECT {   }\r\nPING\r\n",
  "CONNECT nested unknown object": 'CONNECT {"verbose":false,"opts":{"a":{"b":[true,false,null]}}}\r\nPING\r\n',
  // JSON corners, decoded as Go's encoding/json does.
  "CONNECT keys differing in case, last wins": 'CONNECT {"verbose":true,"VERBOSE":false}\r\nPING\r\n',
  "CONNECT escaped key": 'CONNECT {"verb\\u006fse":false}\r\nPING\r\n',
  "CONNECT trailing comma": 'CONNECT {"verbose":false,}\r\n',
  "CONNECT leading zero number": 'CONNECT {"verbose":false,"protocol":01}\r\n',
  "CONNECT negative zero protocol": 'CONNECT {"verbose":false,"protocol":-0}\r\nPING\r\n',
  "CONNECT single quotes": "CONNECT {'verbose':false}\r\n",
  "CONNECT unquoted key": "CONNECT {verbose:false}\r\n",
  "CONNECT true uppercase": 'CONNECT {"verbose":TRUE}\r\n',
  "CONNECT invalid escape in a string": 'CONNECT {"verbose":false,"name":"a\\x"}\r\n',
  "CONNECT raw tab in a string": 'CONNECT {"verbose":false,"name":"a\tb"}\r\n',
  "CONNECT high bytes in a string": 'CONNECT {"verbose":false,"name":"\u00ff\u00fe"}\r\nPING\r\n',
  "CONNECT two objects": 'CONNECT {"verbose":false} {"pedantic":false}\r\n',
  "CONNECT deep nesting": `CONNECT {"verbose":false,"x":${"[".repeat(200)}${"]".repeat(200)}}\r\nPING\r\n`,
  "CONNECT name as object": 'CONNECT {"verbose":false,"name":{}}\r\n',
  "CONNECT echo as string": 'CONNECT {"verbose":false,"echo":"false"}\r\n',
  "CONNECT headers null": 'CONNECT {"verbose":false,"headers":null}\r\nPING\r\n',
  // Reserved subjects, refused without any permissions configured (and without +OK in verbose mode).
  "reserved replies, verbose": 'CONNECT {"verbose":true,"pedantic":false}\r\nSUB > 1\r\n' +
    ["_R_.x", "_R_.", "_R_", "$JS.ACK.x", "$JS.ACK.", "$JS.ACK", "_GR_.x", "_GR_.", "$GR.x", "$GNR.x", "_r_.x"]
      .map((r) => `PUB a ${r} 1\r\nz\r\n`).join("") + "PING\r\n",
  "reserved reply on HPUB": `${CH}SUB > 1\r\nHPUB a _R_.r 12 12\r\nNATS/1.0\r\n\r\n\r\nPING\r\n`,
  // nats-server splits SUB and UNSUB arguments at CRs too (not PUB's).
  "SUB with a CR before the line end": `${C}SUB a 1\r\r\nPUB a 1\r\nz\r\nPING\r\n`,
  "SUB with a CR between subject and queue": `${C}SUB a\rq 1\r\nPUB a 1\r\nz\r\nPING\r\n`,
  "SUB with a CR before the sid": `${C}SUB a\r1\r\nPUB a 1\r\nz\r\nPING\r\n`,
  "UNSUB with a CR before max": `${C}SUB a 1\r\nUNSUB 1\r1\r\nPUB a 1\r\nz\r\nPUB a 1\r\ny\r\nPING\r\n`,
  "PUB with a CR in the subject": `${C}SUB > 1\r\nPUB a\rb 1\r\nz\r\nPING\r\n`,
  // A pedantic subject error, and then a payload that is short: the error comes once (the CR is
  // missing within the read), or twice when the read ends inside the payload.
  "pedantic bad subject, payload short by its CR": ['CONNECT {"verbose":false,"pedantic":true}\r\n', "PUB a.* 5\r\nPING\r\n"],
  "pedantic bad subject, payload split": ['CONNECT {"verbose":false,"pedantic":true}\r\n', "PUB a.* 5\r\nab", "cde\r\nPING\r\n"],
  "publish to a gateway reply subject": `${C}SUB > 1\r\nPUB _GR_.x 1\r\nz\r\nPUB _GR_. 1\r\nz\r\nPUB _R_.x 1\r\nz\r\nPING\r\n`,
};

interface Variant {
  name: string;
  options: TestServerOptions;
  sessions: Record<string, string | string[]>;
}

const VARIANTS: Variant[] = [
  { name: "defaults", options: {}, sessions: SESSIONS },
  {
    name: "small limits",
    options: { maxPayload: 64, maxControlLine: 32, maxSubscriptions: 2 },
    sessions: {
      "control line of exactly the limit": `${C}PUB ${"a".repeat(30)} 0\r\n\r\nPING\r\n`,
      "control line one over the limit": `${C}PUB ${"a".repeat(31)} 0\r\n\r\nPING\r\n`,
      "long CONNECT": 'CONNECT {"verbose":false,"pedantic":false,"name":"long"}\r\nPING\r\n',
      "long line without newline, split": [`${C}SUB ${"a".repeat(20)}`, "a".repeat(20)],
      "long PING line": `${C}PING ${"x".repeat(40)}\r\nPING\r\n`,
      "long PONG line": `${C}PONG ${"x".repeat(40)}\r\nPING\r\n`,
      "long UNSUB line": `${C}UNSUB ${"1".repeat(40)}\r\nPING\r\n`,
      "payload at the limit": `${C}SUB a 1\r\nPUB a 64\r\n${"p".repeat(64)}\r\nPING\r\n`,
      "payload over the limit": `${C}PUB a 65\r\n`,
      "HPUB over the limit": `${CH}HPUB a 12 65\r\n`,
      "third subscription": `${C}SUB a 1\r\nSUB b 2\r\nSUB c 3\r\nPING\r\n`,
      "third subscription verbose": "SUB a 1\r\nSUB b 2\r\nSUB c 3\r\nPING\r\n",
      "queue subscriptions count too": `${C}SUB a q 1\r\nSUB a q 2\r\nSUB a q 3\r\nPING\r\n`,
      "re-SUB on the same sid": `${C}SUB a 1\r\nSUB b 2\r\nSUB a 1\r\nPING\r\n`,
    },
  },
  {
    name: "user/pass auth",
    options: { user: "u", pass: "p", authTimeout: 800 },
    sessions: {
      "nothing sent": "",
      "PING before CONNECT": "PING\r\n",
      "unknown op before CONNECT": "FOO\r\n",
      "PONG before CONNECT": "PONG\r\n",
      "malformed CONNECT": "CONNECT {\r\n",
      "CONNECT null": "CONNECT null\r\n",
      "CONNECT right": 'CONNECT {"user":"u","pass":"p"}\r\nPING\r\n',
      "CONNECT right, split": ['CONNECT {"user":"u",', '"pass":"p"}\r\nPING\r\n'],
      "CONNECT wrong pass": 'CONNECT {"user":"u","pass":"x"}\r\nPING\r\n',
      "CONNECT upper-case keys": 'CONNECT {"User":"u","PASS":"p"}\r\nPING\r\n',
      "CONNECT with token as well": 'CONNECT {"user":"u","pass":"p","auth_token":"zz"}\r\nPING\r\n',
      "CONNECT user only": 'CONNECT {"user":"u"}\r\n',
      "CONNECT then CONNECT wrong": 'CONNECT {"verbose":false,"user":"u","pass":"p"}\r\nCONNECT {"user":"u","pass":"x"}\r\nPING\r\n',
      "CONNECT then CONNECT without creds": 'CONNECT {"verbose":false,"user":"u","pass":"p"}\r\nCONNECT {}\r\nPING\r\n',
      "partial CONNECT line until the timeout": 'CONNECT {"user":"u"',
      "CONNECT with a jwt instead": 'CONNECT {"jwt":"eyJ0eXAiOiJKV1QifQ.e30.sig","sig":"abc"}\r\n',
      "CONNECT with an nkey instead": 'CONNECT {"nkey":"UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4","sig":"x"}\r\n',
      "CONNECT right, wrong-typed extra field": 'CONNECT {"user":"u","pass":"p","echo":"yes"}\r\n',
      "PUB over max_payload before CONNECT": "PUB a 2000000\r\n",
      "long line without newline before CONNECT": `PUB ${"a".repeat(5000)}`,
      "CONNECT over max_control_line": `CONNECT {"user":"u","pass":"p","name":"${"n".repeat(5000)}"}\r\n`,
      "CONNECT wrong, verbose": 'CONNECT {"verbose":true,"user":"u","pass":"x"}\r\n',
      "CONNECT right, no_responders without headers": 'CONNECT {"user":"u","pass":"p","no_responders":true}\r\n',
      "CONNECT wrong, no_responders without headers": 'CONNECT {"user":"u","pass":"x","no_responders":true}\r\n',
      "CONNECT wrong, protocol 2": 'CONNECT {"user":"u","pass":"x","protocol":2}\r\n',
      // Before CONNECT only a `C` may start an op.
      "+OK before CONNECT": "+OK\r\nPING\r\n",
      "-ERR before CONNECT": "-ERR 'x'\r\n",
      "bare CRLF before CONNECT": "\r\n",
      "CX before CONNECT": "CX\r\n",
      "lowercase connect": 'connect {"user":"u","pass":"p"}\r\nPING\r\n',
    },
  },
  {
    name: "token auth",
    options: { token: "tk", authTimeout: 800 },
    sessions: {
      "CONNECT right": 'CONNECT {"verbose":false,"auth_token":"tk"}\r\nPING\r\n',
      "CONNECT wrong": 'CONNECT {"verbose":false,"auth_token":"tx"}\r\n',
      "CONNECT token as pass": 'CONNECT {"verbose":false,"user":"x","pass":"tk"}\r\n',
      "CONNECT token as user": 'CONNECT {"verbose":false,"user":"tk"}\r\n',
      "CONNECT empty token": 'CONNECT {"verbose":false,"auth_token":""}\r\n',
      "SUB before CONNECT": "SUB a 1\r\n",
    },
  },
];

const skip = skipReason("nats-server") ?? skipReason("skein");
const WORKERS = 6; // sessions must not share a server (they would see each other's messages)

for (const variant of VARIANTS) {
  test(`differential: skein answers like nats-server (${variant.name})`, { skip: skip ?? false, timeout: 120_000, concurrency: true }, async (t) => {
    const servers: RunningServer[] = [];
    try {
      const pairs: [RunningServer, RunningServer][] = [];
      for (let i = 0; i < WORKERS; i++) {
        const ref = await startServer("nats-server", variant.options);
        servers.push(ref);
        const ours = await startServer("skein", variant.options);
        servers.push(ours);
        pairs.push([ref, ours]);
      }
      const queue = Object.entries(variant.sessions);
      // Each worker runs one session at a time on its own pair of servers.
      await Promise.all(
        pairs.map(async ([ref, ours]) => {
          for (let next = queue.shift(); next; next = queue.shift()) {
            const [name, session] = next;
            await t.test(name, async () => {
              const [want, got] = await Promise.all([recordSession(ref.port, session), recordSession(ours.port, session)]);
              assert.deepEqual(canonical(got), canonical(want), `session ${JSON.stringify(session)}`);
            });
          }
        }),
      );
    } finally {
      for (const srv of servers) await srv.stop();
    }
  });
}
