//! Numeric codes the API answers with: the envelope's [`ApiCode`] and a
//! failed task's [`TaskErrorCode`].

use crate::open_enum::int_enum;

int_enum! {
    /// The `code` of the API's `{code, msg, data}` envelope, which carries
    /// the real outcome of a call (the HTTP status is almost always 200).
    pub enum ApiCode {
        /// Success.
        Success = 200,
        /// Missing or invalid API key.
        Unauthorized = 401,
        /// Not enough credits.
        InsufficientCredits = 402,
        /// Unknown endpoint or resource.
        NotFound = 404,
        /// Call frequency too high (sister service).
        FrequencyTooHigh = 405,
        /// Conflict, e.g. a conversion already exists.
        Conflict = 409,
        /// Prompt or input too long.
        InputTooLong = 413,
        /// Validation failed (also "recordInfo is null" for an unknown task).
        ValidationFailed = 422,
        /// Rate limited.
        RateLimited = 429,
        /// Call frequency too high.
        FrequencyLimited = 430,
        /// The sub-key's usage limit was reached.
        SubKeyLimit = 433,
        /// A source file could not be fetched.
        SourceFetchFailed = 451,
        /// The service is under maintenance.
        Maintenance = 455,
        /// Server error.
        ServerError = 500,
        /// Generation failed.
        GenerationFailed = 501,
        /// The feature is disabled.
        FeatureDisabled = 505,
    }
}

impl ApiCode {
    /// Whether the same call may succeed later without changing anything:
    /// maintenance, server errors and rate limits.
    pub fn is_retryable(self) -> bool {
        self.is_rate_limit() || matches!(self, ApiCode::Maintenance | ApiCode::ServerError)
    }

    /// The call was refused for going too fast.
    pub fn is_rate_limit(self) -> bool {
        matches!(
            self,
            ApiCode::RateLimited | ApiCode::FrequencyTooHigh | ApiCode::FrequencyLimited
        )
    }

    /// What the code means for the caller and what to do about it.
    pub fn hint(self) -> &'static str {
        match self {
            ApiCode::Success => "success",
            ApiCode::Unauthorized => "the API key was rejected; check KIE_API_KEY",
            ApiCode::InsufficientCredits => "not enough credits; top up the account",
            ApiCode::NotFound => "unknown endpoint or resource; check the base URL",
            ApiCode::FrequencyTooHigh | ApiCode::FrequencyLimited | ApiCode::RateLimited => {
                "calls are too frequent; slow down and retry later"
            }
            ApiCode::Conflict => "the request conflicts with an existing resource",
            ApiCode::InputTooLong => "the prompt or input is too long; shorten it",
            ApiCode::ValidationFailed => "the request failed validation; check its arguments",
            ApiCode::SubKeyLimit => {
                "the key's usage limit was reached; raise it or use another key"
            }
            ApiCode::SourceFetchFailed => {
                "a source file could not be fetched; check its URL and access limits"
            }
            ApiCode::Maintenance => "the service is under maintenance; retry later",
            ApiCode::ServerError => "the service had an internal error; retry later",
            ApiCode::GenerationFailed => "generation failed; retry or change the input",
            ApiCode::FeatureDisabled => "the feature is disabled for this account",
            ApiCode::Unknown(_) => "a code this SDK does not know; see the message",
        }
    }
}

int_enum! {
    /// The `errorCode` of a failed task.
    pub enum TaskErrorCode {
        /// The lyrics contained copyrighted material.
        CopyrightedLyrics = 400,
        /// The generation timed out.
        Timeout = 408,
        /// The uploaded audio matches an existing work.
        MatchesExistingWork = 413,
        /// Generation failed.
        GenerationFailed = 501,
        /// Generation failed and the credits were refunded.
        FailedRefunded = 531,
    }
}
