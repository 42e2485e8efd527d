import type { Language } from '../config/config-schema.ts';

/** The chat widget's words, in the page's language; `live` is what its script shows as things happen. */
const TEXT = {
  en: {
    launcher: 'Chat with us',
    title: 'Chat with support',
    close: 'Close the chat',
    conversation: 'Conversation',
    email: 'Your email address',
    name: 'Your name',
    optional: '(optional)',
    message: 'Your message',
    send: 'Send',
    live: {
      present: 'Someone from our team is here: answers usually come in minutes.',
      away: 'Nobody is here right now. Leave a message: we answer by email, and here when you come back.',
      offline: 'You are offline: chat needs a connection. Searching the articles still works.',
      you: 'You',
      sending: 'Sending…',
      notSent: 'Not sent.',
      retry: 'Try again',
      closed: 'This conversation was closed. Write below to start a new one.',
      failed: 'Something went wrong; please try again.',
      newMessage: 'New message from',
      unread: 'unread',
      inviteStarted: 'started a conversation with you:',
      inviteOpen: 'Open it',
      inviteByMail: 'would like to talk to you: we have mailed you a link to the conversation.',
    },
  },
  de: {
    launcher: 'Chatten Sie mit uns',
    title: 'Chat mit dem Support',
    close: 'Chat schließen',
    conversation: 'Unterhaltung',
    email: 'Ihre E-Mail-Adresse',
    name: 'Ihr Name',
    optional: '(optional)',
    message: 'Ihre Nachricht',
    send: 'Senden',
    live: {
      present: 'Jemand aus unserem Team ist da: Antworten kommen meist in wenigen Minuten.',
      away: 'Gerade ist niemand da. Hinterlassen Sie eine Nachricht: Wir antworten per E-Mail und hier, wenn Sie wiederkommen.',
      offline: 'Sie sind offline: Der Chat braucht eine Verbindung. Die Artikelsuche funktioniert weiterhin.',
      you: 'Sie',
      sending: 'Wird gesendet …',
      notSent: 'Nicht gesendet.',
      retry: 'Erneut versuchen',
      closed: 'Diese Unterhaltung wurde geschlossen. Schreiben Sie unten, um eine neue zu beginnen.',
      failed: 'Etwas ist schiefgegangen; bitte versuchen Sie es erneut.',
      newMessage: 'Neue Nachricht von',
      unread: 'ungelesen',
      inviteStarted: 'hat eine Unterhaltung mit Ihnen begonnen:',
      inviteOpen: 'Öffnen',
      inviteByMail: 'möchte mit Ihnen sprechen: Wir haben Ihnen einen Link zur Unterhaltung gemailt.',
    },
  },
} as const;

export type ChatText = (typeof TEXT)['en'];
export type ChatLiveText = { [K in keyof ChatText['live']]: string };

export function chatText(lang: Language): ChatText {
  return TEXT[lang] as ChatText;
}
