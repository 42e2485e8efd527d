import type { Language } from '../config/config-schema.ts';

/** The text of "Was this article helpful?" (src/components/ArticleFeedback.astro and src/scripts/article-feedback.ts). */
const en = {
  question: 'Was this article helpful?',
  yes: 'Yes',
  no: 'No',
  thanksYes: 'Thanks! Glad it helped.',
  thanksNo: 'Thanks for telling us. What was missing or unclear?',
  /** Shown with the vote buttons when this browser voted before. */
  votedYes: 'You said this article helped. You can change your answer.',
  votedNo: 'You said this article did not help. You can change your answer.',
  commentLabel: 'How could we improve this article? (optional)',
  commentHint: 'Please do not include personal details such as your email address or order number.',
  sendComment: 'Send comment',
  commentSent: 'Thanks, your comment was sent.',
  savedOffline: 'You are offline: your answer is kept on this device and sent when you are back online.',
  sentLater: 'Back online: your answer was sent.',
  thanksNoScript: 'Thank you for your feedback.',
};

const de: typeof en = {
  question: 'War dieser Artikel hilfreich?',
  yes: 'Ja',
  no: 'Nein',
  thanksYes: 'Danke! Schön, dass er geholfen hat.',
  thanksNo: 'Danke für Ihre Rückmeldung. Was hat gefehlt oder war unklar?',
  votedYes: 'Sie fanden diesen Artikel hilfreich. Sie können Ihre Antwort ändern.',
  votedNo: 'Sie fanden diesen Artikel nicht hilfreich. Sie können Ihre Antwort ändern.',
  commentLabel: 'Wie können wir diesen Artikel verbessern? (optional)',
  commentHint: 'Bitte geben Sie keine persönlichen Daten wie Ihre E-Mail-Adresse oder Bestellnummer an.',
  sendComment: 'Kommentar senden',
  commentSent: 'Danke, Ihr Kommentar wurde gesendet.',
  savedOffline: 'Sie sind offline: Ihre Antwort wird auf diesem Gerät gespeichert und gesendet, sobald Sie wieder online sind.',
  sentLater: 'Wieder online: Ihre Antwort wurde gesendet.',
  thanksNoScript: 'Vielen Dank für Ihre Rückmeldung.',
};

export type FeedbackText = typeof en;

/** The feedback widget's text in a language. */
export function feedbackText(lang: Language): FeedbackText {
  return lang === 'de' ? de : en;
}
