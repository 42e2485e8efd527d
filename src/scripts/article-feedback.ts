// "Was this article helpful?" with JavaScript: one vote per browser and article, changeable, with an optional
// comment; kept in localStorage and sent by src/scripts/kb-insights.ts now or when the network returns.
// The markup is src/components/ArticleFeedback.astro; its status line is a live region.
import type { FeedbackText } from '../kb/feedback-text.ts';
import { castVote, flushInsights, loadVotes, onFlushed, startInsights } from './kb-insights.ts';

export function enhanceArticleFeedback(root: HTMLElement): void {
  const article = root.dataset['article'];
  const status = root.querySelector<HTMLElement>('[data-feedback-status]');
  const commentForm = root.querySelector<HTMLFormElement>('[data-feedback-comment]');
  const textarea = commentForm?.querySelector('textarea');
  const buttons = [...root.querySelectorAll<HTMLButtonElement>('[data-vote]')];
  if (!article || !status || !commentForm || !textarea || buttons.length !== 2) return;
  const text = JSON.parse(root.dataset['text'] ?? '{}') as FeedbackText;
  /** What the status line says once the queue has been sent. */
  let afterSend: string | undefined;

  const show = (helpful: boolean | undefined): void => {
    for (const button of buttons) button.setAttribute('aria-pressed', String(helpful !== undefined && (button.dataset['vote'] === 'yes') === helpful));
  };
  const say = (message: string): void => {
    status.textContent = message;
  };

  const stored = loadVotes(localStorage)[article];
  show(stored?.helpful);
  if (stored) say(stored.helpful ? text.votedYes : text.votedNo);
  if (stored?.comment) textarea.value = stored.comment;
  // Once voted, a comment can be added or changed on any later visit.
  commentForm.hidden = !stored;

  const sendSoon = (sent: string): void => {
    if (!navigator.onLine) {
      afterSend = text.sentLater;
      say(text.savedOffline);
      return;
    }
    afterSend = undefined;
    say(sent);
    void flushInsights();
  };

  for (const button of buttons) {
    button.addEventListener('click', (event) => {
      event.preventDefault();
      const helpful = button.dataset['vote'] === 'yes';
      castVote(localStorage, article, helpful);
      show(helpful);
      commentForm.hidden = false;
      sendSoon(helpful ? text.thanksYes : text.thanksNo);
    });
  }
  commentForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const vote = loadVotes(localStorage)[article];
    if (!vote) return;
    castVote(localStorage, article, vote.helpful, textarea.value.trim());
    sendSoon(text.commentSent);
  });

  // After a round of sending: say so if this page was waiting for the network.
  onFlushed(() => {
    const vote = loadVotes(localStorage)[article];
    if (afterSend && vote?.sent) {
      say(afterSend);
      afterSend = undefined;
    }
  });
  startInsights();
}
