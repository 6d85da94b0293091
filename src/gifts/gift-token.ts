import { createHash, createHmac, randomBytes } from 'node:crypto';

/** 256 random bits, base64url: 43 characters. */
export const newGiftToken = (): string => randomBytes(32).toString('base64url');

/** What a `?gift=` value must look like before anything is looked up for it. */
export const isGiftTokenShaped = (value: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(value);

/** Only this is stored: a database read gives no working link. */
export const giftTokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A reader key (`u:<account>` or `a:<cookie id>`) as kept on a link: keyed, so it names no account. */
export const giftReaderHash = (secret: string, readerKey: string): string => createHmac('sha256', secret).update(`gift-reader\n${readerKey}`).digest('hex');
