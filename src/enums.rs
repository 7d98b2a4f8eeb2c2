//! The record's enumerations, forward compatible: a value this crate does not know is kept verbatim.
//!
//! Like `http::Method`, known values are plain unit variants (cheap to match and compare) and an
//! unknown value lives behind an opaque [`Unrecognized`] that only parsing can build, so that
//! `Unknown("ACTIVE")` can never stand beside `ImageStatus::Active` as a second spelling of it.

use std::fmt;
use std::str::FromStr;

/// A wire value this version of the crate does not know, kept exactly as it was read.
///
/// Only parsing builds one, and only for strings that are not a known value of their enum, so
/// every value has exactly one representation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unrecognized(Box<str>);

impl Unrecognized {
    /// The value as it appeared on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Unrecognized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Declares a forward-compatible wire enum: unit variants for the known spellings, `Unknown` for
/// the rest, `Display`/`FromStr`/serde in the wire spelling.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version of the crate does not know, kept verbatim and written back
            /// unchanged.
            Unknown(Unrecognized),
        }

        impl $name {
            /// Every value this crate knows, in the order the API documents them.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )*
                    $name::Unknown(other) => other.as_str(),
                }
            }

            /// Whether this crate knows the value (it is not [`Self::Unknown`]).
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }

            fn known(wire: &str) -> Option<Self> {
                match wire {
                    $( $wire => Some($name::$variant), )*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Never fails: a value the crate does not know becomes [`Self::Unknown`].
        impl FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(wire: &str) -> Result<Self, Self::Err> {
                Ok(<Self as crate::wire::WireEnum>::from_wire_str(wire))
            }
        }

        impl crate::wire::WireEnum for $name {
            const WHAT: &'static str = $what;
            fn from_wire_str(wire: &str) -> Self {
                Self::known(wire).unwrap_or_else(|| $name::Unknown(Unrecognized(wire.into())))
            }
            fn from_wire_string(wire: String) -> Self {
                Self::known(&wire).unwrap_or_else(|| $name::Unknown(Unrecognized(wire.into_boxed_str())))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::wire::decode_enum(deserializer)
            }
        }
    };
}

wire_enum! {
    /// The status of an image in its lifecycle (see [`crate::lifecycle`]).
    ImageStatus, "an image status" {
        /// The image record exists; nothing is built yet.
        Init = "INIT",
        /// The image is being saved or built.
        Creating = "CREATING",
        /// Building the image failed.
        CreateFailed = "CREATE_FAILED",
        /// The image is in a faulty state; a later sync may recover it.
        Error = "ERROR",
        /// The image is deleted. Terminal.
        Deleted = "DELETED",
        /// The image is built and usable.
        Active = "ACTIVE",
    }
}

wire_enum! {
    /// A kind of compute resource an image runs on.
    ResourceCategory, "a resource category" {
        /// CPU.
        Cpu = "CPU",
        /// GPU.
        Gpu = "GPU",
        /// Ascend NPU.
        Ascend = "ASCEND",
    }
}

wire_enum! {
    /// The service an image is meant for.
    ServiceType, "a service type" {
        /// Usable by every service.
        Common = "COMMON",
        /// Inference.
        Inference = "INFERENCE",
        /// Training.
        Train = "TRAIN",
        /// Development environments (notebooks).
        Dev = "DEV",
        /// `UNKNOWN` on the wire: the service did not say.
        Unspecified = "UNKNOWN",
    }
}

wire_enum! {
    /// Whether an image is built in or the project's own.
    ImageType, "an image type" {
        /// A built-in system image: read-only for every project.
        BuildIn = "BUILD_IN",
        /// A project's own image.
        Dedicated = "DEDICATED",
    }
}

wire_enum! {
    /// Who can see an image.
    Visibility, "a visibility" {
        /// Only its own project.
        Private = "PRIVATE",
        /// Every project, read-only for the others.
        Public = "PUBLIC",
    }
}

wire_enum! {
    /// The Ascend flavor an image is built for.
    FlavorType, "a flavor type" {
        /// Ascend Snt9.
        AscendSnt9 = "ASCEND_SNT9",
        /// Ascend Snt9B.
        AscendSnt9b = "ASCEND_SNT9B",
        /// Ascend Snt3.
        AscendSnt3 = "ASCEND_SNT3",
    }
}

wire_enum! {
    /// A way into a development environment that an image supports.
    DevService, "a dev service" {
        /// Jupyter notebook.
        Notebook = "NOTEBOOK",
        /// Remote SSH.
        Ssh = "SSH",
    }
}

wire_enum! {
    /// How an image came to be.
    Origin, "an image origin" {
        /// Registered by the user.
        Customize = "CUSTOMIZE",
        /// Saved from a running notebook.
        ImageSave = "IMAGE_SAVE",
    }
}

/// How a known [`Arch`] value was spelled on the wire.
///
/// The API's English reference writes `x86_64`/`aarch64`, the SDKs `X86_64`/`AARCH64`; both read
/// as the same value and each is written back as it was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Spelling {
    /// `X86_64`, `AARCH64`: the SDKs' spelling, and the default.
    #[default]
    Upper,
    /// `x86_64`, `aarch64`: the API reference's spelling.
    Lower,
}

/// The processor architecture of an image.
///
/// Equality ignores the [`Spelling`]: `Arch::X86_64(Spelling::Lower) == Arch::X86_64(Spelling::Upper)`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Arch {
    /// x86-64.
    X86_64(Spelling),
    /// 64-bit ARM.
    Aarch64(Spelling),
    /// A value this version of the crate does not know, kept verbatim.
    Unknown(Unrecognized),
}

impl Arch {
    /// Every value this crate knows, in the SDKs' spelling.
    pub const KNOWN: &'static [Arch] = &[Arch::X86_64(Spelling::Upper), Arch::Aarch64(Spelling::Upper)];

    /// The wire spelling, as it was read.
    pub fn as_str(&self) -> &str {
        match self {
            Arch::X86_64(Spelling::Upper) => "X86_64",
            Arch::X86_64(Spelling::Lower) => "x86_64",
            Arch::Aarch64(Spelling::Upper) => "AARCH64",
            Arch::Aarch64(Spelling::Lower) => "aarch64",
            Arch::Unknown(other) => other.as_str(),
        }
    }

    /// Whether this crate knows the value (it is not [`Arch::Unknown`]).
    pub fn is_known(&self) -> bool {
        !matches!(self, Arch::Unknown(_))
    }

    fn known(wire: &str) -> Option<Self> {
        match wire {
            "X86_64" => Some(Arch::X86_64(Spelling::Upper)),
            "x86_64" => Some(Arch::X86_64(Spelling::Lower)),
            "AARCH64" => Some(Arch::Aarch64(Spelling::Upper)),
            "aarch64" => Some(Arch::Aarch64(Spelling::Lower)),
            _ => None,
        }
    }
}

impl PartialEq for Arch {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Arch::X86_64(_), Arch::X86_64(_)) | (Arch::Aarch64(_), Arch::Aarch64(_)) => true,
            (Arch::Unknown(a), Arch::Unknown(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Arch {}

impl std::hash::Hash for Arch {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Arch::X86_64(_) => 0u8.hash(state),
            Arch::Aarch64(_) => 1u8.hash(state),
            Arch::Unknown(other) => other.hash(state),
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Never fails: a value the crate does not know becomes [`Arch::Unknown`].
impl FromStr for Arch {
    type Err = std::convert::Infallible;
    fn from_str(wire: &str) -> Result<Self, Self::Err> {
        Ok(<Arch as crate::wire::WireEnum>::from_wire_str(wire))
    }
}

impl crate::wire::WireEnum for Arch {
    const WHAT: &'static str = "an architecture";
    fn from_wire_str(wire: &str) -> Self {
        Self::known(wire).unwrap_or_else(|| Arch::Unknown(Unrecognized(wire.into())))
    }
    fn from_wire_string(wire: String) -> Self {
        Self::known(&wire).unwrap_or_else(|| Arch::Unknown(Unrecognized(wire.into_boxed_str())))
    }
}

impl serde::Serialize for Arch {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Arch {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::wire::decode_enum(deserializer)
    }
}
