#!/usr/bin/env bash
# Generates the small test audio fixtures under test/fixtures/ with espeak-ng + sox (+ flac,
# lame, opusenc, oggenc). The generated files are committed so CI needs none of these tools.
#
#   apt-get install -y espeak-ng sox libsox-fmt-all opus-tools flac lame vorbis-tools
#   bash scripts/make-fixtures.sh
#
# Turn times in the JSON files are measured from the generated audio: every utterance is
# synthesised on its own, its leading/trailing silence is trimmed with sox, and its
# duration is read back with soxi before it is placed on the timeline at a chosen offset.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/test/fixtures"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"

for tool in espeak-ng sox soxi flac lame opusenc oggenc; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done

# Voices: speaker 0 a low male US voice, speaker 1 a high female variant.
VOICE0=(-v en-us -p 30 -s 190)
VOICE1=(-v en-us+f3 -p 75 -s 200)

# say VOICE_INDEX TEXT OUT_WAV RATE: synthesise, trim silence at both ends, resample, mono.
say() {
  local v="$1" text="$2" out="$3" rate="$4" raw="$TMP/raw-$RANDOM.wav"
  if [ "$v" = 0 ]; then espeak-ng "${VOICE0[@]}" -w "$raw" "$text"; else espeak-ng "${VOICE1[@]}" -w "$raw" "$text"; fi
  sox "$raw" -r "$rate" -c 1 -b 16 "$out" silence 1 0.01 0.3% reverse silence 1 0.01 0.3% reverse norm -3
}
dur() { soxi -D "$1"; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a + b }'; }

# ---------------------------------------------------------------------------------------
# 1. One short speech clip in every encoding.
# ---------------------------------------------------------------------------------------
say 0 "Call me back tomorrow." "$TMP/clip16.wav" 16000
# 0.1 s of silence on both sides so the clip starts and ends cleanly
sox "$TMP/clip16.wav" "$TMP/clip16p.wav" pad 0.1 0.1
sox "$TMP/clip16p.wav" -r 8000 "$TMP/clip8p.wav"

C="$OUT/speech"
sox "$TMP/clip16p.wav" -e signed-integer -b 16 "$C-pcm16-16k.wav"
sox "$TMP/clip16p.wav" -e signed-integer -b 24 "$C-pcm24-16k.wav"
sox "$TMP/clip8p.wav"  -e signed-integer -b 32 "$C-pcm32-8k.wav"
sox "$TMP/clip8p.wav"  -e floating-point -b 32 "$C-float32-8k.wav"
sox "$TMP/clip8p.wav"  -e u-law -b 8 "$C-mulaw-8k.wav"
sox "$TMP/clip8p.wav"  -e a-law -b 8 "$C-alaw-8k.wav"
flac --silent --force -o "$C-16k.flac" "$TMP/clip16p.wav"
lame --quiet --abr 32 "$TMP/clip16p.wav" "$C-16k.mp3"
opusenc --quiet --bitrate 24 "$TMP/clip16p.wav" "$C-16k.opus"
oggenc --quiet -q 0 -o "$C-16k.ogg" "$TMP/clip16p.wav"
sox "$TMP/clip8p.wav" -t raw -e signed-integer -b 16 -L "$C-s16le-8k.raw"
sox "$TMP/clip8p.wav" -t raw -e u-law -b 8 "$C-mulaw-8k.raw"
sox "$TMP/clip8p.wav" -t raw -e a-law -b 8 "$C-alaw-8k.raw"
# 48 kHz stereo: left = the clip, right = the clip at half amplitude (-6 dB)
sox "$TMP/clip16p.wav" -r 48000 "$TMP/clip48.wav" trim 0 1.0
sox "$TMP/clip48.wav" "$TMP/clip48half.wav" vol 0.5
sox -M "$TMP/clip48.wav" "$TMP/clip48half.wav" -e signed-integer -b 16 "$C-stereo-48k.wav"
# stereo with identical channels
sox -M "$TMP/clip8p.wav" "$TMP/clip8p.wav" -e signed-integer -b 16 "$OUT/stereo-identical.wav"

# ---------------------------------------------------------------------------------------
# 2. Stereo 8 kHz call: speaker "0" on the left channel, speaker "1" on the right.
#    One interruption (speaker 1 cuts in while 0 is mid-sentence, 0 stops ~0.6 s later),
#    and one clear gap of ~1.1 s with nobody speaking.
# ---------------------------------------------------------------------------------------
R=8000
say 0 "Hello, thanks for calling. How can I help?" "$TMP/a1.wav" $R
say 1 "Hi, I have a question about my bill." "$TMP/b1.wav" $R
say 0 "Sure, let me pull up your account and look at the charges for this month." "$TMP/a2full.wav" $R
say 1 "Sorry, it is just the extra fee." "$TMP/b2.wav" $R
say 0 "I see. I can remove that fee right away." "$TMP/a3.wav" $R
say 1 "Great, thank you so much." "$TMP/b3.wav" $R

T_A1=0.25
T_B1=$(add "$T_A1" "$(add "$(dur "$TMP/a1.wav")" 0.55)")
T_A2=$(add "$T_B1" "$(add "$(dur "$TMP/b1.wav")" 0.45)")
# speaker 1 cuts in 2.3 s into speaker 0's second utterance
T_B2=$(add "$T_A2" 2.30)
# speaker 0 keeps talking 0.6 s over speaker 1, then stops (20 ms fade), trailing silence trimmed
CUT=$(add 2.30 0.60)
sox "$TMP/a2full.wav" "$TMP/a2.wav" trim 0 "$CUT" fade t 0 -0 0.02 reverse silence 1 0.01 0.3% reverse
# the one long gap: 1.1 s of silence after speaker 1's complaint
T_A3=$(add "$T_B2" "$(add "$(dur "$TMP/b2.wav")" 1.10)")
T_B3=$(add "$T_A3" "$(add "$(dur "$TMP/a3.wav")" 0.50)")
TOTAL=$(add "$T_B3" "$(add "$(dur "$TMP/b3.wav")" 0.40)")

place() { sox "$1" "$2" pad "$3" 0; }
place "$TMP/a1.wav" "$TMP/pa1.wav" "$T_A1"
place "$TMP/a2.wav" "$TMP/pa2.wav" "$T_A2"
place "$TMP/a3.wav" "$TMP/pa3.wav" "$T_A3"
place "$TMP/b1.wav" "$TMP/pb1.wav" "$T_B1"
place "$TMP/b2.wav" "$TMP/pb2.wav" "$T_B2"
place "$TMP/b3.wav" "$TMP/pb3.wav" "$T_B3"
sox -n -r $R -c 1 -b 16 "$TMP/len.wav" trim 0 "$TOTAL"
# low-level noise floor (about -60 dBFS) so silence is not digital zero
sox -n -r $R -c 1 -b 16 "$TMP/noise0.wav" synth "$TOTAL" whitenoise vol 0.001
sox -n -r $R -c 1 -b 16 "$TMP/noise1.wav" synth "$TOTAL" pinknoise vol 0.001
sox -m "$TMP/len.wav" "$TMP/noise0.wav" "$TMP/pa1.wav" "$TMP/pa2.wav" "$TMP/pa3.wav" "$TMP/left.wav" trim 0 "$TOTAL"
sox -m "$TMP/len.wav" "$TMP/noise1.wav" "$TMP/pb1.wav" "$TMP/pb2.wav" "$TMP/pb3.wav" "$TMP/right.wav" trim 0 "$TOTAL"
sox -M "$TMP/left.wav" "$TMP/right.wav" -e signed-integer -b 16 "$OUT/stereo-call.wav"

seg() { printf '    {"speaker": "%s", "start": %s, "end": %s}' "$1" "$2" "$(add "$2" "$(dur "$3")")"; }
{
  echo '{'
  echo '  "audio": "stereo-call.wav",'
  echo "  \"duration\": $(dur "$OUT/stereo-call.wav"),"
  echo '  "note": "speaker 0 = left channel, 1 = right channel; times measured from the generated utterances (silence-trimmed); interruption start = interrupter starts, end = interrupted speaker stops",'
  echo '  "segments": ['
  seg 0 "$T_A1" "$TMP/a1.wav"; echo ','
  seg 1 "$T_B1" "$TMP/b1.wav"; echo ','
  seg 0 "$T_A2" "$TMP/a2.wav"; echo ','
  seg 1 "$T_B2" "$TMP/b2.wav"; echo ','
  seg 0 "$T_A3" "$TMP/a3.wav"; echo ','
  seg 1 "$T_B3" "$TMP/b3.wav"; echo
  echo '  ],'
  echo '  "interruptions": ['
  printf '    {"speaker": "1", "interrupted": "0", "start": %s, "end": %s}\n' "$T_B2" "$(add "$T_A2" "$(dur "$TMP/a2.wav")")"
  echo '  ]'
  echo '}'
} > "$OUT/stereo-call.json"

# ---------------------------------------------------------------------------------------
# 3. Mono 16 kHz two-voice conversation, alternating turns, no overlap.
# ---------------------------------------------------------------------------------------
R=16000
LINES=(
  "0|Good morning. Did you read the report I sent?"
  "1|Yes, last night. The numbers look much better."
  "0|They do. Sales in the north almost doubled."
  "1|Great news. What about the costs?"
  "0|Costs went up a little, mostly shipping."
  "1|Okay, let us discuss it on Friday."
)
t=0.30
segs=()
parts=()
i=0
for line in "${LINES[@]}"; do
  spk="${line%%|*}"; text="${line#*|}"
  say "$spk" "$text" "$TMP/m$i.wav" $R
  d=$(dur "$TMP/m$i.wav")
  place "$TMP/m$i.wav" "$TMP/pm$i.wav" "$t"
  parts+=("$TMP/pm$i.wav")
  segs+=("$(printf '    {"speaker": "%s", "start": %s, "end": %s}' "$spk" "$t" "$(add "$t" "$d")")")
  # alternate gaps of 0.45 s and 0.75 s between turns
  if [ $((i % 2)) = 0 ]; then g=0.45; else g=0.75; fi
  t=$(add "$t" "$(add "$d" "$g")")
  i=$((i + 1))
done
TOTAL=$(add "$t" 0.2)
sox -n -r $R -c 1 -b 16 "$TMP/mlen.wav" trim 0 "$TOTAL"
sox -n -r $R -c 1 -b 16 "$TMP/mnoise.wav" synth "$TOTAL" whitenoise vol 0.001
sox -m "$TMP/mlen.wav" "$TMP/mnoise.wav" "${parts[@]}" -e signed-integer -b 16 "$OUT/mono-two-voices.wav" trim 0 "$TOTAL" vol 0.7
{
  echo '{'
  echo '  "audio": "mono-two-voices.wav",'
  echo "  \"duration\": $(dur "$OUT/mono-two-voices.wav"),"
  echo '  "note": "speaker 0 = low male en-us voice, 1 = high female en-us+f3 voice; times measured from the generated utterances (silence-trimmed)",'
  echo '  "segments": ['
  n=${#segs[@]}
  for ((k = 0; k < n; k++)); do
    if [ $k -lt $((n - 1)) ]; then echo "${segs[$k]},"; else echo "${segs[$k]}"; fi
  done
  echo '  ]'
  echo '}'
} > "$OUT/mono-two-voices.json"

# ---------------------------------------------------------------------------------------
# Fixture metadata used by the decoder tests.
# ---------------------------------------------------------------------------------------
# durations: soxi for containers; raw files have the 8 kHz source clip's duration; the
# lossy codecs (mp3/opus/vorbis) are listed with the source duration (their decoders may
# add or drop a few ms of priming/padding).
D16=$(dur "$TMP/clip16p.wav"); D8=$(dur "$TMP/clip8p.wav")
entry() { printf '    {"file": "%s", "encoding": "%s", "sampleRate": %s, "channels": %s, "duration": %s}' "$1" "$2" "$3" "$4" "$5"; }
{
  echo '{'
  echo '  "note": "one short speech clip in every encoding (plus stereo variants); durations in seconds",'
  echo '  "files": ['
  entry speech-pcm16-16k.wav WAV 16000 1 "$D16"; echo ,
  entry speech-pcm24-16k.wav WAV 16000 1 "$D16"; echo ,
  entry speech-pcm32-8k.wav WAV 8000 1 "$D8"; echo ,
  entry speech-float32-8k.wav WAV 8000 1 "$D8"; echo ,
  entry speech-mulaw-8k.wav WAV 8000 1 "$D8"; echo ,
  entry speech-alaw-8k.wav WAV 8000 1 "$D8"; echo ,
  entry speech-16k.flac FLAC 16000 1 "$D16"; echo ,
  entry speech-16k.mp3 MP3 16000 1 "$D16"; echo ,
  entry speech-16k.opus OGG_OPUS 48000 1 "$D16"; echo ,
  entry speech-16k.ogg OGG_VORBIS 16000 1 "$D16"; echo ,
  entry speech-s16le-8k.raw LINEAR16 8000 1 "$D8"; echo ,
  entry speech-mulaw-8k.raw MULAW 8000 1 "$D8"; echo ,
  entry speech-alaw-8k.raw ALAW 8000 1 "$D8"; echo ,
  entry speech-stereo-48k.wav WAV 48000 2 "$(dur "$C-stereo-48k.wav")"; echo ,
  entry stereo-identical.wav WAV 8000 2 "$(dur "$OUT/stereo-identical.wav")"; echo
  echo '  ]'
  echo '}'
} > "$OUT/speech-fixtures.json"

du -ch "$OUT"/* | tail -1
echo "fixtures written to $OUT"
