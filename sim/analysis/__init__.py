"""Analysis of results: comparisons between configurations, one-at-a-time sensitivity, figures, scores against history."""
