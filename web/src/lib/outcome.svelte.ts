// The result of a change a person asked for: a sentence saying it worked, or why it did not.
// Every form of the app reports through one of these and shows it with <OutcomeLine>.

import { errorText, type ErrorContext } from './i18n.svelte';

export class Outcome {
  ok = $state('');
  error = $state('');

  private readonly context?: ErrorContext;

  /** `context` says what some error codes mean for this form (see `errorText`). */
  constructor(context?: ErrorContext) {
    this.context = context;
  }

  /** Runs the change and says whether it worked: on success shows `done` (a text, or one made
   * from the result), on failure the error. */
  async run<T>(work: () => Promise<T>, done: string | ((result: T) => string)): Promise<boolean> {
    this.ok = this.error = '';
    try {
      const result = await work();
      this.ok = typeof done === 'function' ? done(result) : done;
      return true;
    } catch (e) {
      this.error = errorText(e, this.context);
      return false;
    }
  }

  clear() {
    this.ok = this.error = '';
  }
}
