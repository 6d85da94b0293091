/** How an article (or its section) is offered: to everyone, through the meter, or to subscribers. */
export const accessLevels = ['free', 'metered', 'premium'] as const;
export type Access = (typeof accessLevels)[number];

/** What the gate needs to know of an article, whatever its source. */
export interface GatedArticle {
  readonly slug: string;
  readonly section: string;
  /** The article's own setting; undefined defers to its section's default. */
  readonly access: Access | undefined;
}
