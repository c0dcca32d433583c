//! Where a task is in its life: [`TaskStatus`] and what kind of task it is:
//! [`OperationType`].

use std::cmp::Ordering;

use crate::open_enum::string_enum;

string_enum! {
    /// The `status` of a task record.
    ///
    /// A successful task goes `Pending` -> `TextSuccess` -> `FirstSuccess`
    /// -> `Success`, and these compare by progress:
    ///
    /// ```
    /// use kie_suno::TaskStatus;
    /// assert!(TaskStatus::Pending < TaskStatus::FirstSuccess);
    /// assert!(TaskStatus::Success.is_terminal());
    /// // A failure has no place on that line.
    /// assert_eq!(TaskStatus::GenerateAudioFailed.partial_cmp(&TaskStatus::Success), None);
    /// // Values the SDK does not know yet survive a round trip.
    /// let s: TaskStatus = "MASTERING".parse().unwrap();
    /// assert_eq!(s.to_string(), "MASTERING");
    /// ```
    pub enum TaskStatus {
        /// Queued or generating; nothing to show yet.
        Pending = "PENDING",
        /// Lyrics and titles are ready.
        TextSuccess = "TEXT_SUCCESS",
        /// The first track can be streamed.
        FirstSuccess = "FIRST_SUCCESS",
        /// Every track is done.
        Success = "SUCCESS",
        /// The task could not be created.
        CreateTaskFailed = "CREATE_TASK_FAILED",
        /// Generating the audio failed.
        GenerateAudioFailed = "GENERATE_AUDIO_FAILED",
        /// The provider could not deliver its callback. The generation may
        /// still have finished: the record can hold complete tracks.
        CallbackException = "CALLBACK_EXCEPTION",
        /// The input was refused for sensitive words.
        SensitiveWordError = "SENSITIVE_WORD_ERROR",
    }
}

impl TaskStatus {
    /// The rank on the success path, or `None` off it (failures, unknown).
    fn progress(&self) -> Option<u8> {
        match self {
            TaskStatus::Pending => Some(0),
            TaskStatus::TextSuccess => Some(1),
            TaskStatus::FirstSuccess => Some(2),
            TaskStatus::Success => Some(3),
            _ => None,
        }
    }

    /// No later status will follow: success, a failure, or a callback
    /// exception. Unknown values are not terminal (they may be new progress
    /// states), so a waiter keeps polling them.
    pub fn is_terminal(&self) -> bool {
        matches!(self, TaskStatus::Success | TaskStatus::CallbackException) || self.is_failure()
    }

    /// Every track is done.
    pub fn is_success(&self) -> bool {
        matches!(self, TaskStatus::Success)
    }

    /// The task ended without music. `CallbackException` is not one of
    /// these: only the provider's callback failed, and the record may hold
    /// finished tracks.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            TaskStatus::CreateTaskFailed
                | TaskStatus::GenerateAudioFailed
                | TaskStatus::SensitiveWordError
        )
    }
}

impl PartialOrd for TaskStatus {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        if self == other {
            return Some(Ordering::Equal);
        }
        match (self.progress(), other.progress()) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => None,
        }
    }
}

string_enum! {
    /// The `operationType` of a task record: what the task was asked to do.
    pub enum OperationType {
        /// Create new music.
        Generate = "generate",
        /// Extend existing music.
        Extend = "extend",
        /// Create new music from an uploaded audio file.
        UploadCover = "upload_cover",
        /// Extend an uploaded audio file.
        UploadExtend = "upload_extend",
    }
}
