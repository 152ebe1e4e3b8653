/** Maps stored jobs (DeepAffects snake_case results) to the GraphQL types (camelCase). */
import type { DeepAffectsResponse, SpeakerValueEntry } from "../analysis/types.js";
import type { JobRecord } from "../jobs/types.js";
import type { Analysis, InteractionAnalytics, SpeakerValue, WebhookDeliveryInfo, WebhookDeliveryStatus } from "./types/analysis.js";
import type { AnalysisStatus } from "./types/enums.js";

const values = (list?: SpeakerValueEntry[]): SpeakerValue[] | undefined =>
  list?.map((v) => ({ speakerId: v.speaker_id, value: v.value }));

export function toInteractionAnalytics(r: DeepAffectsResponse): InteractionAnalytics {
  return {
    numSpeakers: r.num_speakers,
    numSpeakersConfidence: r.num_speakers_confidence,
    numSpeakersRunnerUp: r.num_speakers_runner_up,
    totalSpeechDuration: r.total_speech_duration,
    segments: r.segments.map((s) => ({
      speakerId: s.speaker_id,
      start: s.start,
      end: s.end,
      speakerConfidence: s.speaker_confidence,
      text: s.text,
      confidence: s.confidence,
      emotion: s.emotion,
      emotionScore: s.emotion_score,
      emotions: s.emotions?.map((e) => ({ label: e.label, score: e.score })),
    })),
    energy: values(r.energy),
    pace: values(r.pace),
    questionsAsked: values(r.questions_asked),
    tone: values(r.tone),
    talkToListenRatio: values(r.talk_to_listen_ratio),
    interruptions: r.interruptions?.map((i) => ({
      start: i.start,
      end: i.end,
      speakerId: i.speaker_id,
      interruptedSpeakerId: i.interrupted_speaker_id,
    })),
    speakers: (r.speakers ?? []).map((s) => ({
      speakerId: s.speaker_id,
      talkSeconds: s.talk_seconds,
      turns: s.turns,
      longestMonologue: s.longest_monologue_seconds,
      interruptionsMade: s.interruptions_made,
      interruptionsReceived: s.interruptions_received,
      talkToListen: s.talk_to_listen,
      energyDb: s.energy_db,
      energy: s.energy,
      paceValue: s.pace_value,
      paceUnit: s.pace_unit,
      wordsPerMinute: s.words_per_minute,
      questions: s.questions,
      tone: s.tone,
    })),
    silence: r.silence && {
      totalSeconds: r.silence.total_seconds,
      ratio: r.silence.ratio,
      thresholdSeconds: r.silence.threshold_seconds,
      instances: r.silence.instances,
    },
  };
}

export function toAnalysis(job: JobRecord): Analysis {
  return {
    requestId: job.requestId,
    status: job.status as AnalysisStatus,
    progress: job.progress,
    stage: job.stage,
    submittedAt: new Date(job.submittedAt),
    completedAt: job.completedAt ? new Date(job.completedAt) : undefined,
    error: job.error,
    result: job.result ? toInteractionAnalytics(job.result) : undefined,
    webhookDelivery: job.webhookDelivery ? toWebhookDelivery(job.webhookDelivery) : undefined,
  };
}

const date = (iso?: string) => (iso ? new Date(iso) : undefined);

function toWebhookDelivery(d: NonNullable<JobRecord["webhookDelivery"]>): WebhookDeliveryInfo {
  return {
    deliveryId: d.deliveryId,
    status: d.status as WebhookDeliveryStatus,
    attempts: d.attempts,
    lastError: d.lastError,
    lastAttemptAt: date(d.lastAttemptAt),
    nextAttemptAt: date(d.nextAttemptAt),
    deliveredAt: date(d.deliveredAt),
  };
}
