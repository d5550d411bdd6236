// client.mjs calls the Connect example (examples/connect) with connect-es,
// a client that shares no code with the server, over each protocol the
// server speaks: Connect over HTTP/1.1 and over h2c, gRPC over h2c and
// gRPC-Web over HTTP/1.1. It prints one PASS or FAIL line per outcome and
// exits 1 if any outcome was not the expected one.
//
//	go run ./examples/connect &
//	cd examples/connect/node && npm ci
//	node client.mjs http://127.0.0.1:8080
//
// The service descriptors come from gen/, generated from examples/proto by
// protoc-gen-es (see buf.gen.es.yaml at the repository root).

import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { AuthService } from "./gen/demo/auth/v1/auth_pb.js";
import { BankService } from "./gen/demo/bank/v1/bank_pb.js";
import { PublicService } from "./gen/demo/public/v1/public_pb.js";

const baseUrl = process.argv[2];
if (!baseUrl || !/^http:\/\//.test(baseUrl)) {
  console.error("usage: node client.mjs http://HOST:PORT");
  process.exit(2);
}

// Basic credentials of the demo user alice/wonderland (RFC 7617).
const alice = "Basic " + Buffer.from("alice:wonderland").toString("base64");

// Every call gives up after this long, and the whole run after a minute,
// so that a hung server fails the run instead of stalling it.
const timeoutMs = 10_000;
setTimeout(() => {
  console.log("FAIL the calls did not finish within 60s");
  process.exit(1);
}, 60_000).unref();

const transports = [
  ["connect http/1.1", createConnectTransport({ baseUrl, httpVersion: "1.1" })],
  ["connect h2c", createConnectTransport({ baseUrl, httpVersion: "2" })],
  ["grpc h2c", createGrpcTransport({ baseUrl })],
  ["grpc-web http/1.1", createGrpcWebTransport({ baseUrl, httpVersion: "1.1" })],
];

let failures = 0;

function report(ok, line) {
  console.log(`${ok ? "PASS" : "FAIL"} ${line}`);
  if (!ok) failures++;
}

function codeName(code) {
  return code === undefined ? "OK" : Code[code];
}

// expect runs one call and checks that it ends with the code want
// (undefined for OK). call returns a detail to print, or throws.
async function expect(label, name, want, call) {
  let detail = "";
  let got;
  try {
    detail = await call();
  } catch (err) {
    const ce = ConnectError.from(err);
    got = ce.code;
    detail = ce.rawMessage;
  }
  const ok = got === want;
  const wantText = ok ? "" : ` (want ${codeName(want)})`;
  report(ok, `[${label}] ${name}: ${codeName(got)}${detail ? `, ${detail}` : ""}${wantText}`);
}

// tampered returns the token with one character of its signature changed,
// in the middle, where every bit counts.
function tampered(token) {
  const i = token.lastIndexOf(".") + 10;
  if (i <= 10 || i >= token.length) return "";
  const c = token[i] === "A" ? "B" : "A";
  return token.slice(0, i) + c + token.slice(i + 1);
}

function money(cents) {
  const n = BigInt(cents);
  const sign = n < 0n ? "-" : "";
  const abs = n < 0n ? -n : n;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}

async function run(label, transport) {
  const pub = createClient(PublicService, transport);
  const auth = createClient(AuthService, transport);
  const bank = createClient(BankService, transport);
  const opts = (authorization) => ({
    timeoutMs,
    headers: authorization ? { Authorization: authorization } : {},
  });
  const balance = async (authorization, wantUser) => {
    const res = await bank.getBalance({}, opts(authorization));
    if (res.user !== wantUser) throw new Error(`balance of ${res.user}, want ${wantUser}`);
    return `${res.user}: balance ${money(res.balanceCents)} ${res.currency}`;
  };
  const watch = async (authorization) => {
    let n = 0;
    for await (const tx of bank.watchTransactions({}, opts(authorization))) {
      if (!tx.id) throw new Error("transaction without id");
      n++;
    }
    if (n < 1) throw new Error("no transaction received");
    return `${n} messages received`;
  };

  await expect(label, "PublicService.Hello, open", undefined, async () => {
    const res = await pub.hello({ name: "node" }, opts());
    return JSON.stringify(res.greeting);
  });
  await expect(label, "BankService.GetBalance without credentials", Code.Unauthenticated, () =>
    balance("", ""),
  );
  await expect(label, "BankService.GetBalance as alice (Basic)", undefined, () =>
    balance(alice, "alice"),
  );
  let token = "";
  await expect(label, "AuthService.Login as bob (Local)", undefined, async () => {
    const res = await auth.login({ username: "bob", password: "builder" }, opts());
    if (!res.accessToken || !res.refreshToken) throw new Error("no tokens in the response");
    token = res.accessToken;
    return `${JSON.stringify(res.greeting)}, access token, expires in ${res.expiresIn}s`;
  });
  if (!token) {
    report(false, `[${label}] no access token from Login: skipping the calls that need it`);
    return;
  }
  await expect(label, "BankService.GetBalance with bob's access token (Bearer)", undefined, () =>
    balance(`Bearer ${token}`, "bob"),
  );
  await expect(label, "BankService.WatchTransactions with bob's access token (Bearer)", undefined, () =>
    watch(`Bearer ${token}`),
  );
  await expect(label, "BankService.WatchTransactions without credentials", Code.Unauthenticated, () =>
    watch(""),
  );
  await expect(label, "BankService.GetBalance with a tampered access token", Code.Unauthenticated, () =>
    balance(`Bearer ${tampered(token)}`, "bob"),
  );
}

for (const [label, transport] of transports) {
  await run(label, transport);
}
if (failures > 0) {
  console.log(`FAIL ${failures} outcome(s) not as expected`);
  process.exit(1);
}
console.log("PASS all outcomes as expected");
// Idle HTTP/2 sessions would keep the process alive for a while: leave now.
process.exit(0);
