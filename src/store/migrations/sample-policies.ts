// Sample wording seeded as version 1 so a fresh install works. A publisher replaces both
// documents with its own through the admin before going live.

export const sampleTermsOfUse = `These Terms of Use govern your use of this publication's website and your reader account.

## Your account
You may create one free account with a valid email address. Keep your password to yourself; you are responsible for what happens under your account.

## Free articles and subscriptions
Some articles are free, some can be read a limited number of times each month, and some are for subscribers. The number of free articles may change. Subscriptions renew until you cancel them from your account page.

## What you may do with our articles
Our articles are for your personal, non-commercial reading. You may share links to them. You may not copy, republish or resell them, or get around the limits on free articles.

## Ending your account
You can delete your account at any time from your account page. We may close accounts that break these terms.

## Changes
When these terms change we will ask you to accept the new version before you read on.
`;

export const samplePrivacyPolicy = `This Privacy Policy explains what we record about readers and why.

## What we record
- **Your account**: your email address and a one-way hash of your password (never the password itself).
- **Your reading**: which articles you opened this month, so that we can count your free articles. Readers without an account are recognised by a cookie that holds a random identifier.
- **Your consent**: which version of these documents you accepted, the wording you were shown, and when.
- **Your subscription**: our payment provider keeps your payment details; we keep the subscription's status.

## Cookies
We use a session cookie to keep you signed in and a reader cookie to count free articles. Neither is used for advertising.

## Your rights
You can see and download everything we hold about you from your account page, and delete your account there. Records of your consent are kept after deletion, without your email address, as proof of what was agreed.

## Contact
Write to the publisher's data protection contact with any question about your data.
`;
