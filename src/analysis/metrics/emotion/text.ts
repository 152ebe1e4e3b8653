/**
 * Text valence from the VADER lexicon (vader-sentiment, MIT): compound score in −1..1.
 * Neutral band |compound| < 0.3 (Symbl's convention; Deepgram uses ±0.333).
 */
import vader from "vader-sentiment";

export const TEXT_NEUTRAL_BAND = 0.3;

export function textValence(text: string): number {
  const t = text.trim();
  if (!t) return 0;
  return vader.SentimentIntensityAnalyzer.polarity_scores(t).compound;
}
