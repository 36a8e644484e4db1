//! Admission once per template (issue 19): a Job the CronJob controller creates carries its
//! CronJob's job template spec, and a pod the Job controller creates carries its Job's pod
//! template spec, as the very same shared allocation (`Shared`, copy-on-write). What
//! [`super::review`] does to a created Job or pod reads and writes nothing but that spec (and,
//! for a pod, sets the status the API server gives at creation from it): defaulting, the
//! dropped fields of disabled gates, `validateJobSpec` / `ValidatePodSpec`, the QoS class.
//! Everything that differs between two objects of one template (name, generateName, labels,
//! annotations, owner references) is checked elsewhere or not at all, and `Store::create`
//! handles it (names, uid, `generateSelector`). One exception reads a Job's name:
//! `validate_job_create` (the generated labels a template sets itself, an Indexed Job's last
//! hostname); the Jobs of one CronJob have names of one length, and a template that sets a
//! `job-name`/`controller-uid` label is refused for every one of them, so the answer is the
//! same for each Job of a template.
//!
//! So the answer is kept per spec allocation and version profile: the spec admission made of
//! it (the same allocation when nothing was defaulted) and, for a pod, the QoS class it was
//! given (with phase Pending, the status that replaces whatever the client sent). The
//! input allocation is held by the memo, so its address cannot be reused by another spec while
//! the entry lives; a profile is compared by value (an `upgrade` action admits as the new
//! release). Only admitted writes are kept: a refused one takes the plain path every time.
//!
//! A fast path (`crate::fastpath`): with fast paths off every create takes [`super::admit`].
//! With [`set_verify`] on, every hit also runs the plain admission on a copy and panics if the
//! objects differ (`tests/admission_memo.rs` runs every shipped scenario so; unit tests below
//! compare generated templates).

use crate::api::{JobSpec, Object, PodSpec, PodStatus, Shared};
use crate::client::ApiError;
use crate::version::Profile;

/// How many templates are remembered per kind (a linear scan; the oldest is replaced).
const N: usize = 8;

struct JobEntry {
    input: Shared<JobSpec>,
    profile: Profile,
    output: Shared<JobSpec>,
}

struct PodEntry {
    input: Shared<PodSpec>,
    profile: Profile,
    output: Shared<PodSpec>,
    /// The QoS class admission gave the created pod (`PrepareForCreate` sets it with phase
    /// Pending and nothing else: [`super::review`]).
    qos_class: crate::api::Name,
}

/// The memo of admitted templates, held by the store (one per run, like its state).
#[derive(Default)]
pub struct Memo {
    jobs: Vec<JobEntry>,
    pods: Vec<PodEntry>,
    next_job: usize,
    next_pod: usize,
    /// Creates answered from the memo (tests check the memo is used).
    pub hits: u64,
}

fn put<E>(v: &mut Vec<E>, next: &mut usize, e: E) {
    if v.len() < N {
        v.push(e);
    } else {
        v[*next] = e;
        *next = (*next + 1) % N;
    }
}

thread_local! {
    static VERIFY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static VERIFIED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Check every memo hit against the plain admission (tests).
pub fn set_verify(on: bool) {
    VERIFY.with(|v| v.set(on));
}

/// How many memo hits this thread has checked against the plain admission.
pub fn verified_hits() -> u64 {
    VERIFIED.with(|v| v.get())
}

fn verify() -> bool {
    VERIFY.with(|v| v.get())
}

impl Memo {
    /// [`super::admit`] for a create, answered from the memo when `obj`'s spec was admitted
    /// before under an equal profile.
    pub fn admit_create(&mut self, obj: &mut Object, profile: &Profile) -> Result<(), ApiError> {
        if !crate::fastpath::enabled() {
            return super::admit(obj, profile);
        }
        let plain = verify().then(|| {
            let mut o = obj.clone();
            let r = super::admit(&mut o, profile);
            (o, r)
        });
        let hit = match obj {
            Object::Job(j) => match self
                .jobs
                .iter()
                .find(|e| Shared::ptr_eq(&e.input, &j.spec) && e.profile == *profile)
            {
                Some(e) => {
                    j.spec = e.output.clone();
                    true
                }
                None => {
                    let input = j.spec.clone();
                    let r = super::admit(obj, profile);
                    if let (Ok(()), Object::Job(j)) = (&r, &*obj) {
                        let e = JobEntry {
                            input,
                            profile: profile.clone(),
                            output: j.spec.clone(),
                        };
                        put(&mut self.jobs, &mut self.next_job, e);
                    }
                    return check(obj, plain, r);
                }
            },
            Object::Pod(p) => match self
                .pods
                .iter()
                .find(|e| Shared::ptr_eq(&e.input, &p.spec) && e.profile == *profile)
            {
                Some(e) => {
                    p.spec = e.output.clone();
                    // podStrategy.PrepareForCreate replaces whatever status the client sent,
                    // as `review` does for a create.
                    p.status = PodStatus {
                        phase: crate::api::POD_PENDING.into(),
                        qos_class: e.qos_class.clone(),
                        ..Default::default()
                    };
                    true
                }
                None => {
                    let input = p.spec.clone();
                    let r = super::admit(obj, profile);
                    if let (Ok(()), Object::Pod(p)) = (&r, &*obj) {
                        let e = PodEntry {
                            input,
                            profile: profile.clone(),
                            qos_class: p.status.qos_class.clone(),
                            output: p.spec.clone(),
                        };
                        put(&mut self.pods, &mut self.next_pod, e);
                    }
                    return check(obj, plain, r);
                }
            },
            Object::CronJob(_) => false,
        };
        if !hit {
            let r = super::admit(obj, profile);
            return check(obj, plain, r);
        }
        self.hits += 1;
        if plain.is_some() {
            VERIFIED.with(|v| v.set(v.get() + 1));
        }
        check(obj, plain, Ok(()))
    }
}

/// With verification on, the memo's answer must be the plain admission's, object and result.
fn check(
    obj: &Object,
    plain: Option<(Object, Result<(), ApiError>)>,
    r: Result<(), ApiError>,
) -> Result<(), ApiError> {
    if let Some((o, pr)) = plain {
        assert_eq!(
            format!("{pr:?}"),
            format!("{r:?}"),
            "admission memo: result differs from the plain admission"
        );
        if pr.is_ok() {
            assert!(
                o == *obj,
                "admission memo: object differs from the plain admission:\nplain: {o:?}\nmemo:  {obj:?}"
            );
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Container, Job, Pod, PodFailurePolicy};
    use crate::version::Version;

    /// Job and pod templates of many shapes: valid, defaulted, refused, with gated fields.
    fn job_specs() -> Vec<Shared<JobSpec>> {
        let mut out = Vec::new();
        for rp in ["Never", "OnFailure", "Always", ""] {
            for grace in [None, Some(5)] {
                for pfp in [false, true] {
                    for completions in [None, Some(3), Some(-1)] {
                        for sidecar in [false, true] {
                            let mut s = JobSpec {
                                completions,
                                pod_failure_policy: pfp.then(PodFailurePolicy::default),
                                ..Default::default()
                            };
                            let t = &mut *s.template;
                            t.spec.restart_policy = rp.into();
                            t.spec.termination_grace_period_seconds = grace;
                            t.spec.containers = vec![Container {
                                name: "main".into(),
                                image: "busybox".into(),
                                ..Default::default()
                            }]
                            .into();
                            if sidecar {
                                t.spec.init_containers = vec![Container {
                                    name: "side".into(),
                                    image: "busybox".into(),
                                    restart_policy: Some("Always".into()),
                                    ..Default::default()
                                }]
                                .into();
                            }
                            out.push(Shared::new(s));
                        }
                    }
                }
            }
        }
        out
    }

    fn profiles() -> Vec<Profile> {
        let mut off = Profile::new(Version { minor: 31 });
        off.set_gate("JobPodFailurePolicy", false).unwrap();
        vec![
            Profile::new(Version { minor: 20 }),
            Profile::new(Version { minor: 27 }),
            Profile::new(Version { minor: 28 }),
            Profile::new(Version { minor: 31 }),
            off,
        ]
    }

    /// Every create of a generated template, many times over (Jobs of one spec allocation with
    /// different names, pods of one spec with different generateNames), under several
    /// profiles: the memo's object and result are the plain admission's, and the memo answers.
    #[test]
    fn memo_admits_as_the_plain_admission() {
        set_verify(true);
        let mut memo = Memo::default();
        let specs = job_specs();
        let mut refused = 0;
        // Three objects of each template in a row, then the same again (the memo by then
        // holds other templates: misses again).
        for round in 0..6 {
            for p in profiles() {
                for (i, s) in specs.iter().enumerate().flat_map(|x| [x, x, x]) {
                    let mut j = Job::default();
                    j.metadata.name = format!("j{round}-{i}").into();
                    j.spec = s.clone();
                    let mut o = Object::Job(j);
                    let r = memo.admit_create(&mut o, &p);
                    refused += usize::from(r.is_err());
                    let mut pod = Pod::default();
                    pod.metadata.generate_name = format!("j{round}-{i}-").into();
                    pod.spec = s.template.spec.clone();
                    let mut o = Object::Pod(pod);
                    let r = memo.admit_create(&mut o, &p);
                    refused += usize::from(r.is_err());
                }
            }
        }
        set_verify(false);
        assert!(refused > 0, "some generated templates are refused");
        assert!(memo.hits > 1000, "{}", memo.hits);
        assert!(memo.jobs.len() <= N && memo.pods.len() <= N);
    }

    /// A hit gives exactly what the plain path gives (checked without the verify switch too).
    #[test]
    fn a_hit_is_the_plain_answer() {
        let p = Profile::new(Version { minor: 31 });
        let spec = job_specs()[0].clone();
        let mut memo = Memo::default();
        let mk = |name: &str| {
            let mut j = Job::default();
            j.metadata.name = name.into();
            j.spec = spec.clone();
            Object::Job(j)
        };
        let (mut a, mut b, mut c) = (mk("a"), mk("b"), mk("b"));
        memo.admit_create(&mut a, &p).unwrap();
        memo.admit_create(&mut b, &p).unwrap();
        assert_eq!(memo.hits, 1);
        super::super::admit(&mut c, &p).unwrap();
        assert_eq!(b, c);
    }
}
