"""知识库: the policy answers a hotline operator gives on the call and a citizen reads before
filing. Articles are written and reviewed by the responsible unit, versioned and dated."""
