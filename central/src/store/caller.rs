//! Who asks. Every store operation takes its caller, so none can be written without deciding
//! whose object it touches: a [`Kiosk`] (the recorded certificate's kiosk: it owns what it
//! created, and reaches a citizen's case only with the citizen's proof) or an [`Operator`]
//! with a [`Role`] (the back office and the server's command line).

/// An enrolled kiosk, named by its recorded, unrevoked client certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kiosk<'a>(pub &'a str);

impl Kiosk<'_> {
    pub fn id(&self) -> &str {
        self.0
    }
}

/// What a back-office account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Pre-review: lists, applications, reviews.
    Reviewer,
    /// Everything a reviewer does, plus payments, the audit log and reveals.
    Supervisor,
    /// Reads the audit log; changes nothing.
    Auditor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reviewer => "reviewer",
            Role::Supervisor => "supervisor",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        [Role::Reviewer, Role::Supervisor, Role::Auditor]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// A person at the back office (or `cli`, the server's own command line: whoever runs it
/// holds the server directory and its keys, so it acts as a supervisor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    pub name: String,
    pub role: Role,
}

impl Operator {
    pub fn cli() -> Operator {
        Operator {
            name: "cli".into(),
            role: Role::Supervisor,
        }
    }

    pub fn may_review(&self) -> bool {
        matches!(self.role, Role::Reviewer | Role::Supervisor)
    }

    pub fn may_supervise(&self) -> bool {
        self.role == Role::Supervisor
    }

    pub fn may_audit(&self) -> bool {
        matches!(self.role, Role::Auditor | Role::Supervisor)
    }

    /// A 403 unless `allowed`.
    pub fn require(&self, allowed: bool) -> anyhow::Result<()> {
        if allowed {
            Ok(())
        } else {
            super::refuse(
                403,
                "forbidden",
                format!("the {} role may not do this", self.role.as_str()),
            )
        }
    }
}
