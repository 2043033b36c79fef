#!/usr/bin/env bash
# usage: run_all.sh FUZZ_BUILD_DIR SECONDS_PER_TARGET   (FUZZ_ONLY="name ..." picks targets)
# Seeds each fuzzer with real files (sox/ffmpeg/espeak-ng made), then fuzzes for a fixed time.
set -euo pipefail
build=$(cd "$1" && pwd)
seconds=$2
corpus_root="$build/corpus"
seeds="$build/seeds"
mkdir -p "$seeds"

if [ ! -f "$seeds/.done" ]; then
  sox -n -r 8000 -c 1 -e signed -b 16 "$seeds/pcm16.wav" synth 0.05 sine 440
  sox -n -r 16000 -c 2 -e signed -b 24 "$seeds/pcm24_ext.wav" synth 0.03 sine 1000
  sox -n -r 8000 -c 1 -e u-law "$seeds/ulaw.wav" synth 0.05 sine 697 sine 1209
  sox -n -r 8000 -c 1 -e a-law "$seeds/alaw.wav" synth 0.05 sine 300
  sox -n -r 22050 -c 1 -e floating-point -b 32 "$seeds/float.wav" synth 0.02 whitenoise
  sox -n -r 8000 -c 1 -e unsigned -b 8 "$seeds/pcm8.wav" synth 0.02 pinknoise
  ffmpeg -nostdin -loglevel error -y -f lavfi -i "sine=f=500:d=0.1" -ar 16000 "$seeds/tone.flac"
  ffmpeg -nostdin -loglevel error -y -f lavfi -i "sine=f=500:d=0.1" -ar 16000 -b:a 32k "$seeds/tone.mp3"
  ffmpeg -nostdin -loglevel error -y -f lavfi -i "sine=f=500:d=0.1" -ar 48000 -c:a libopus "$seeds/tone.ogg"
  ffmpeg -nostdin -loglevel error -y -f lavfi -i "sine=f=500:d=0.1" -c:a aac "$seeds/tone.m4a"
  sox -n -r 8000 -c 1 -e signed -b 16 -t raw "$seeds/dtmf5.raw" synth 0.1 sine 770 sine 1336
  printf 'Zm9vYmFy' > "$seeds/b64.txt"
  printf 'AAECAwQFBgcICQ==' > "$seeds/b64pad.txt"
  printf '%s' '{"event":"media","sequenceNumber":"2","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"//////8="},"streamSid":"MZ00000000000000000000000000000000"}' > "$seeds/media.json"
  printf '%s' '{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC0","streamSid":"MZ0","callSid":"CA0","tracks":["inbound"],"customParameters":{"caller":"+1555"},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ0"}' > "$seeds/start.json"
  printf '%s' '{"event":"dtmf","streamSid":"MZ0","sequenceNumber":"50","dtmf":{"track":"inbound_track","digit":"1"}}' > "$seeds/dtmf.json"
  printf '%s' '{"event":"mark","streamSid":"MZ0","mark":{"name":"utt-1"}}' > "$seeds/mark.json"
  printf '%s' 'AccountSid=AC0&ApiVersion=2010-04-01&CallSid=CA0&CallStatus=in-progress&From=%2B15550001111&To=%2B15550009999' > "$seeds/webhook.form"
  printf '%s' 'StatusCallbackEvent=answered&StatusCallbackEvent=completed&Twiml=%3CResponse%2F%3E&Body=a+b' > "$seeds/update.form"
  touch "$seeds/.done"
fi
if [ ! -f "$seeds/.toy" ]; then
  printf '%s' '{"type":"audio","pcm":"AQD+/w==","reply":"r1"}' > "$seeds/audio.toy"
  printf '%s' '{"type":"interrupt","heard_ms":1500}' > "$seeds/interrupt.toy"
  printf '%s' '{"type":"transcript","text":"Hello","reply":"r1"}' > "$seeds/transcript.toy"
  printf '%s' '{"type":"error","message":"busy","fatal":false}' > "$seeds/error.toy"
  printf '%s' '{"type":"commit"}' > "$seeds/commit.toy"
  touch "$seeds/.toy"
fi
# pipecat.Frame seeds made by protoc from the schema (one per frame kind, one WAV-headed chunk).
if [ ! -f "$seeds/.pipecat" ]; then
  proto_dir=$(cd "$(dirname "$0")/../../adapters/pipecat" && pwd)
  encode() { protoc --encode=pipecat.Frame -I "$proto_dir" frames.proto > "$seeds/$1.pb"; }
  echo 'audio { audio: "\001\000\376\377" sample_rate: 16000 num_channels: 1 pts: 5 }' | encode audio
  echo 'text { id: 7 name: "TextFrame#7" text: "Thank you for calling" }' | encode text
  echo 'transcription { text: "billing" user_id: "u" timestamp: "2026-11-21T10:00:00Z" }' | encode transcription
  echo 'message { data: "{\"label\":\"rtvi-ai\",\"type\":\"bot-ready\",\"data\":[1,2.5,null]}" }' | encode message
  echo 'interruption { }' | encode interruption
  sox -n -r 16000 -c 1 -e signed -b 16 "$seeds/chunk16k.wav" synth 0.005 sine 440
  wav=$(od -An -v -to1 "$seeds/chunk16k.wav" | tr -d '\n' | sed 's/ \+/ /g; s/ \([0-7]\{3\}\)/\\\1/g')
  echo "audio { audio: \"$wav\" sample_rate: 16000 num_channels: 1 }" | encode wav_chunk
  touch "$seeds/.pipecat"
fi

# Serializer seeds: a selector byte (side and serializer, bit 2 = binary frame) before a message.
if [ ! -f "$seeds/.line" ]; then
  for f in media start dtmf mark; do
    { printf '\001'; cat "$seeds/$f.json"; } > "$seeds/bot_$f.line"  # Twilio bot reads the caller
    { printf '\000'; cat "$seeds/$f.json"; } > "$seeds/caller_$f.line"
  done
  for f in audio text interruption message; do
    { printf '\006'; cat "$seeds/$f.pb"; } > "$seeds/proto_$f.line"
  done
  touch "$seeds/.line"
fi

# OpenAI Realtime seeds: a selector byte (bit 0 = client event, bit 1 = beta) before a frame.
if [ ! -f "$seeds/.realtime" ]; then
  printf '\000%s' '{"type":"response.output_audio.delta","event_id":"event_8","response_id":"resp_1","item_id":"item_a1","output_index":0,"content_index":0,"delta":"AQD+/w=="}' > "$seeds/delta.rt"
  printf '\002%s' '{"type":"response.done","event_id":"e","response":{"id":"resp_1","status":"cancelled","status_details":{"type":"cancelled","reason":"turn_detected"},"output":[{"id":"i","type":"function_call","call_id":"c","name":"f","arguments":"{}","status":"completed"}],"usage":{"total_tokens":3,"input_tokens":1,"output_tokens":2}}}' > "$seeds/done.rt"
  printf '\000%s' '{"type":"session.updated","event_id":"e","session":{"type":"realtime","audio":{"input":{"format":{"type":"audio/pcmu"},"turn_detection":{"type":"server_vad","threshold":0.5}},"output":{"format":{"type":"audio/pcm","rate":24000},"voice":"alloy"}}}}' > "$seeds/session.rt"
  printf '\000%s' '{"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"c","message":"m","param":null,"event_id":"x"}}' > "$seeds/error.rt"
  printf '\001%s' '{"type":"input_audio_buffer.append","audio":"AQD+/w=="}' > "$seeds/append.rt"
  printf '\001%s' '{"type":"conversation.item.truncate","item_id":"item_1","content_index":0,"audio_end_ms":1500}' > "$seeds/truncate.rt"
  printf '\001%s' '{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"Hi"}]}}' > "$seeds/create.rt"
  printf '\001%s' '{"type":"session.update","session":{"instructions":"x","turn_detection":null,"input_audio_format":"g711_ulaw"}}' > "$seeds/update.rt"
  touch "$seeds/.realtime"
fi

# Gemini Live seeds: a selector byte (bit 0 = client message) before a frame; both casings, both
# base64 alphabets (shared/protocols/gemini-live.md).
if [ ! -f "$seeds/.gemini" ]; then
  printf '\000%s' '{"setupComplete":{"sessionId":"s1"}}' > "$seeds/setup_complete.gl"
  printf '\000%s' '{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"mimeType":"audio/pcm;rate=24000","data":"AQD+/w=="}},{"text":"hm","thought":true}]},"outputTranscription":{"text":"Hi"}}}' > "$seeds/content.gl"
  printf '\000%s' '{"serverContent":{"turnComplete":true},"usageMetadata":{"promptTokenCount":120,"responseTokenCount":"40","totalTokenCount":160}}' > "$seeds/turn.gl"
  printf '\000%s' '{"toolCall":{"functionCalls":[{"id":"fc_1","name":"get_weather","args":{"city_name":"Paris"}}]},"goAway":{"timeLeft":"1.5s"}}' > "$seeds/tool.gl"
  printf '\000%s' '{"session_resumption_update":{"new_handle":"h","resumable":true},"tool_call_cancellation":{"ids":["fc_1"]}}' > "$seeds/snake.gl"
  printf '\001%s' '{"setup":{"model":"models/m","generationConfig":{"responseModalities":["AUDIO"],"speechConfig":{"voice_config":{"prebuilt_voice_config":{"voice_name":"Kore"}}}},"realtimeInputConfig":{"automatic_activity_detection":{"disabled":true}},"inputAudioTranscription":{}}}' > "$seeds/setup.gl"
  printf '\001%s' '{"realtime_input":{"audio":{"mime_type":"audio/pcm;rate=16000","data":"AQD-_w"}}}' > "$seeds/audio.gl"
  printf '\001%s' '{"realtimeInput":{"activityStart":{}}}' > "$seeds/activity.gl"
  printf '\001%s' '{"toolResponse":{"functionResponses":[{"id":"fc_1","name":"f","response":{"result":"sunny"}}]}}' > "$seeds/response.gl"
  printf '\001%s' '{"client_content":{"turns":[{"role":"user","parts":[{"text":"Hello"}]}],"turn_complete":true}}' > "$seeds/client.gl"
  touch "$seeds/.gemini"
fi

seed_for() {
  case $1 in
    wav_reader) ls "$seeds"/*.wav ;;
    media_decode) ls "$seeds"/*.wav "$seeds"/*.flac "$seeds"/*.mp3 "$seeds"/*.ogg "$seeds"/*.m4a ;;
    dtmf_detector) ls "$seeds"/*.raw "$seeds"/pcm16.wav ;;
    base64_decode) ls "$seeds"/*.txt ;;
    twilio_message) ls "$seeds"/*.json ;;
    twilio_webhook) ls "$seeds"/*.form ;;
    pipecat_frame) ls "$seeds"/*.pb ;;
    toy_protocol) ls "$seeds"/*.toy ;;
    pipecat_serializer) ls "$seeds"/*.line ;;
    openai_realtime) ls "$seeds"/*.rt ;;
    gemini_live) ls "$seeds"/*.gl ;;
  esac
}

status=0
for name in ${FUZZ_ONLY:-wav_reader media_decode dtmf_detector base64_decode twilio_message twilio_webhook pipecat_frame pipecat_serializer openai_realtime gemini_live toy_protocol}; do
  dir="$corpus_root/$name"
  mkdir -p "$dir"
  for f in $(seed_for "$name"); do cp -n "$f" "$dir/"; done
  log="$build/fuzz_$name.log"
  echo "--- fuzz_$name for ${seconds}s"
  if (cd "$build" && "./tests/fuzz/fuzz_$name" "corpus/$name" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1); then
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added)" "$log" || true
  else
    echo "fuzz_$name FAILED; its log ends with:"
    tail -n 40 "$log"
    status=1
  fi
done
exit $status
