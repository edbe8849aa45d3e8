/**
 * Every test must assert (jest setupFilesAfterEnv, all tiers): a test that returns early, or
 * whose checks all sit behind a condition that did not hold, fails with "Expected at least one
 * assertion" instead of passing without having judged anything.
 */
beforeEach(() => {
  expect.hasAssertions();
});
