// mjml ships no type declarations and @types/mjml is not a dependency; this covers the one call we make.
declare module 'mjml' {
  /** MjmlError is one validation problem mjml reports for a template. */
  interface MjmlError {
    line: number;
    message: string;
    tagName: string;
    formattedMessage: string;
  }
  /** MjmlOptions are the mjml2html options callwatch uses. */
  interface MjmlOptions {
    validationLevel?: 'strict' | 'soft' | 'skip';
    ignoreIncludes?: boolean;
    keepComments?: boolean;
    minify?: boolean;
  }
  /** mjml2html compiles MJML to responsive HTML; with validationLevel strict it throws an error carrying `errors`. */
  function mjml2html(mjml: string, options?: MjmlOptions): { html: string; errors: MjmlError[] };
  export = mjml2html;
}
