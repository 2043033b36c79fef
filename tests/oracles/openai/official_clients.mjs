// The official OpenAI JS clients against a Realtime server (our fake): what they send, what they
// accept and what they make of it. Used by tests/integration/openai_official_clients_test.cpp.
//   node official_clients.mjs <agents|agents-session|openai-ga|openai-beta> <base_url> <caller.pcm>
// agents-session: connect, configure the session and close (the session the fake then runs).
// base_url: the fake's wss://localhost:PORT/v1/realtime; caller.pcm: pcm16 24 kHz mono speech.
// OPENAI_API_KEY holds the key; NODE_EXTRA_CA_CERTS the fake's certificate. Prints one JSON
// object (what the client observed) on stdout and exits 0, or says what failed and exits 1.
import { readFileSync } from 'node:fs';

const [mode, baseUrl, callerPath] = process.argv.slice(2);
const apiKey = process.env.OPENAI_API_KEY;
const caller = readFileSync(callerPath);
const frameBytes = 24000 * 2 / 50;  // 20 ms of pcm16 at 24 kHz
const silence = Buffer.alloc(frameBytes * 50);  // 1 s

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fail = (what) => { console.error(`official-client (${mode}): ${what}`); process.exit(1); };
setTimeout(() => fail('timed out after 60 s'), 60000).unref();

function waitFor(emitter, name, predicate = () => true, ms = 20000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} within ${ms} ms`)), ms);
    const handler = (e) => {
      if (!predicate(e)) return;
      clearTimeout(timer);
      emitter.off(name, handler);
      resolve(e);
    };
    emitter.on(name, handler);
  });
}

function toArrayBuffer(buf) {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

async function agents(sessionOnly = false) {
  const { OpenAIRealtimeWebSocket } = await import('@openai/agents-realtime');
  const t = new OpenAIRealtimeWebSocket();
  const seen = { event_types: [], errors: [], turns: [], function_calls: [], truncated: [],
                 retrieved: [], audio_interrupted: 0 };
  let turn = { audio_bytes: 0, transcript: '' };
  // The transport validates each server event with its zod schema: a valid one is emitted under its
  // type, one that fails only under '*' (and is otherwise ignored). Those are recorded as rejected.
  const validated = new Set(['error']);
  const emit = t.emit.bind(t);
  t.emit = (name, ...args) => { validated.add(name); return emit(name, ...args); };
  if (process.env.OFFICIAL_CLIENT_TRACE) t.on('*', (e) => console.error('<-', e.type, JSON.stringify(e).slice(0, 200)));
  t.on('*', (e) => { if (!seen.event_types.includes(e.type)) seen.event_types.push(e.type); });
  t.on('*', (e) => {
    if (e.type === 'conversation.item.truncated') seen.truncated.push(e);
    if (e.type === 'conversation.item.retrieved') seen.retrieved.push(e.item?.id);
    if (e.type === 'session.updated') seen.session = e.session;
  });
  t.on('error', (e) => seen.errors.push(e.error?.error?.code ?? String(e.error?.message ?? e)));
  t.on('audio', (e) => { turn.audio_bytes += e.data.byteLength; });
  t.on('audio_transcript_delta', (e) => { turn.transcript += e.delta; });
  t.on('audio_interrupted', () => { seen.audio_interrupted += 1; });
  t.on('turn_done', (e) => {
    turn.status = e.response?.status;
    seen.turns.push(turn);
    turn = { audio_bytes: 0, transcript: '' };
  });
  t.on('function_call', (call) => {
    seen.function_calls.push({ name: call.name, arguments: call.arguments, call_id: call.callId });
    t.sendFunctionCallOutput(call, JSON.stringify({ balance: 42 }), true);
  });

  await t.connect({
    apiKey,
    model: 'gpt-realtime',
    url: `${baseUrl}?model=gpt-realtime`,
    initialSessionConfig: {
      instructions: 'You are a bank assistant.',
      voice: 'marin',
      tools: [{ type: 'function', name: 'lookup_balance', description: 'Balance of an account',
                parameters: { type: 'object', properties: { account: { type: 'string' } },
                              required: ['account'] } }],
      audio: { input: { turnDetection: { type: 'server_vad', silenceDurationMs: 500,
                                         interruptResponse: true, createResponse: true } } },
    },
  });
  await waitFor(t, '*', (e) => e.type === 'session.updated' &&
                e.session?.instructions === 'You are a bank assistant.');

  const done = () => {
    seen.rejected = seen.event_types.filter((type) => !validated.has(type));
    return seen;
  };
  if (sessionOnly) {
    t.close();
    return done();
  }
  const turnsDone = (n) => seen.turns.length >= n ? Promise.resolve()
                                                   : waitFor(t, 'turn_done', () => seen.turns.length >= n);
  const speak = async () => {
    for (let i = 0; i < caller.length; i += frameBytes)
      t.sendAudio(toArrayBuffer(caller.subarray(i, i + frameBytes)));
    t.sendAudio(toArrayBuffer(silence));
  };
  // Turn 1: a spoken reply. Turn 2: a function call, answered, then its spoken reply.
  for (const expected of [1, 3]) {
    await speak();
    await turnsDone(expected);
  }
  // Turn 3: a long reply, interrupted by the client 400 ms after its first audio.
  await speak();
  await waitFor(t, 'audio');
  await sleep(400);
  t.interrupt();
  await waitFor(t, '*', (e) => e.type === 'conversation.item.retrieved');
  await turnsDone(4);
  t.close();
  return done();
}

async function openaiNode(beta) {
  const { default: OpenAI } = await import('openai');
  const { OpenAIRealtimeWS } = await import(beta ? 'openai/beta/realtime/ws' : 'openai/realtime/ws');
  const client = new OpenAI({ apiKey, baseURL: baseUrl.replace(/^wss:/, 'https:').replace(/\/realtime$/, '') });
  const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime' }, client);
  const seen = { event_types: [], errors: [], audio_bytes: 0, transcript: '' };
  rt.on('event', (e) => {
    if (!seen.event_types.includes(e.type)) seen.event_types.push(e.type);
    if (e.type === 'session.updated') seen.session = e.session;
    if (e.type.endsWith('audio.delta')) seen.audio_bytes += Buffer.from(e.delta, 'base64').length;
    if (e.type.endsWith('audio_transcript.delta')) seen.transcript += e.delta;
    if (e.type === 'response.done') seen.status = e.response.status;
  });
  rt.on('error', (e) => seen.errors.push(e.error?.code ?? e.message));
  await waitFor(rt.socket, 'open');
  rt.send(beta
    ? { type: 'session.update', session: { instructions: 'Be brief.', turn_detection: null,
                                           input_audio_format: 'pcm16', output_audio_format: 'pcm16' } }
    : { type: 'session.update', session: { type: 'realtime', instructions: 'Be brief.',
                                           audio: { input: { turn_detection: null } } } });
  await waitFor(rt, 'event', (e) => e.type === 'session.updated');
  for (let i = 0; i < caller.length; i += 32768)
    rt.send({ type: 'input_audio_buffer.append',
              audio: caller.subarray(i, i + 32768).toString('base64') });
  rt.send({ type: 'input_audio_buffer.commit' });
  rt.send({ type: 'response.create' });
  await waitFor(rt, 'event', (e) => e.type === 'response.done');
  // What the real server refuses, the client reports as an error: nothing to cancel.
  rt.send({ type: 'response.cancel', event_id: 'evt_cancel_nothing' });
  const err = await waitFor(rt, 'error');
  seen.refused = { code: err.error?.code, event_id: err.error?.event_id };
  rt.close();
  return seen;
}

const runners = { agents: () => agents(false), 'agents-session': () => agents(true),
                  'openai-ga': () => openaiNode(false), 'openai-beta': () => openaiNode(true) };
if (!runners[mode]) fail(`unknown mode "${mode}" (agents, agents-session, openai-ga, openai-beta)`);
try {
  const seen = await runners[mode]();
  process.stdout.write(JSON.stringify(seen) + '\n');
  process.exit(0);
} catch (e) {
  fail(e?.stack ?? String(e));
}
