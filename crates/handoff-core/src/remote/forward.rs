//! A port on the remote's loopback forwarded to one on this machine's, over
//! the kept connection (what `ssh -R` does), for as long as it is held.

use std::borrow::Cow;
use std::sync::Arc;

use openssh::{ForwardType, Socket};

use super::pool::{self, Link};
use super::{Remote, RemoteError};

/// How many random ports are tried before giving up (each taken one is
/// refused by the server at once).
const TRIES: usize = 8;

/// A forward from the remote's loopback to this machine's; closed (and the
/// connection released) when dropped.
pub struct Forwarded {
    link: Arc<Link>,
    remote: u16,
    local: u16,
}

impl Forwarded {
    /// The port on the remote's loopback.
    #[must_use]
    pub fn remote_port(&self) -> u16 {
        self.remote
    }
}

impl Drop for Forwarded {
    fn drop(&mut self) {
        let link = Arc::clone(&self.link);
        let (remote, local) = (self.remote, self.local);
        pool::spawn(async move {
            if let Err(e) = link
                .session
                .close_port_forward(ForwardType::Remote, loopback(remote), loopback(local))
                .await
            {
                tracing::debug!(error = %e, "closing a forward failed");
            }
        });
    }
}

impl Remote {
    /// Forwards a free port on the remote's loopback (picked at random
    /// among the unprivileged ones, another tried when one is taken) to
    /// `local` on this machine's.
    pub async fn forward(&self, local: u16) -> Result<Forwarded, RemoteError> {
        let mut refused = String::new();
        for _ in 0..TRIES {
            let remote = random_port().map_err(|e| RemoteError::Failed {
                host: self.spec().host().to_owned(),
                detail: e.to_string(),
            })?;
            match self
                .session()
                .request_port_forward(ForwardType::Remote, loopback(remote), loopback(local))
                .await
            {
                Ok(()) => {
                    return Ok(Forwarded {
                        link: self.link(),
                        remote,
                        local,
                    });
                }
                Err(e) => refused = e.to_string(),
            }
        }
        Err(RemoteError::Failed {
            host: self.spec().host().to_owned(),
            detail: format!(
                "no port on its loopback could be forwarded to this machine ({refused}); check `AllowTcpForwarding` in its sshd_config"
            ),
        })
    }
}

fn loopback(port: u16) -> Socket<'static> {
    Socket::TcpSocket {
        host: Cow::Borrowed("127.0.0.1"),
        port,
    }
}

/// A port in 20000–59999.
fn random_port() -> Result<u16, crate::random::NoRandomness> {
    Ok(20_000 + u16::from_le_bytes(crate::random::bytes::<2>()?) % 40_000)
}
