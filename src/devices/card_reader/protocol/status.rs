//! SW3, the SAM's status codes: what each means, whether a retry can help, and how the
//! kiosk names it (never with card data).

use crate::domain::message::Message;
use std::fmt;

/// SW3: the SAM's own status code. Decisions are made on SW3 alone (SW1/SW2 echo the card).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Success,
    FindOk,
    NoContent,
    HostChecksum,
    HostLength,
    BadCommand,
    NotPermitted,
    Unrecognised,
    CardRejectsSam,
    SamRejectsCard,
    VerifyFailed,
    NoCardFoundYet,
    FingerprintVerify,
    InfoLength,
    UnknownCardType,
    ReadFailed,
    ChallengeFailed,
    WriteFailed,
    SelfTestFailed,
    LoginFailed,
    Unauthorised,
    FindFailed,
    SelectFailed,
    CommFailure,
    Other(u8),
}

impl Status {
    pub fn from_byte(b: u8) -> Status {
        use Status::*;
        match b {
            0x90 => Success,
            0x9F => FindOk,
            0x91 => NoContent,
            0x10 => HostChecksum,
            0x11 => HostLength,
            0x21 => BadCommand,
            0x23 => NotPermitted,
            0x24 => Unrecognised,
            0x31 => CardRejectsSam,
            0x32 => SamRejectsCard,
            0x33 => VerifyFailed,
            0x34 => NoCardFoundYet,
            0x37 => FingerprintVerify,
            0x3F => InfoLength,
            0x40 => UnknownCardType,
            0x41 => ReadFailed,
            0x47 => ChallengeFailed,
            0x50 => WriteFailed,
            0x60 => SelfTestFailed,
            0x61 => LoginFailed,
            0x66 => Unauthorised,
            0x80 => FindFailed,
            0x81 => SelectFailed,
            0xFF => CommFailure,
            other => Other(other),
        }
    }

    pub fn byte(self) -> u8 {
        use Status::*;
        match self {
            Success => 0x90,
            FindOk => 0x9F,
            NoContent => 0x91,
            HostChecksum => 0x10,
            HostLength => 0x11,
            BadCommand => 0x21,
            NotPermitted => 0x23,
            Unrecognised => 0x24,
            CardRejectsSam => 0x31,
            SamRejectsCard => 0x32,
            VerifyFailed => 0x33,
            NoCardFoundYet => 0x34,
            FingerprintVerify => 0x37,
            InfoLength => 0x3F,
            UnknownCardType => 0x40,
            ReadFailed => 0x41,
            ChallengeFailed => 0x47,
            WriteFailed => 0x50,
            SelfTestFailed => 0x60,
            LoginFailed => 0x61,
            Unauthorised => 0x66,
            FindFailed => 0x80,
            SelectFailed => 0x81,
            CommFailure => 0xFF,
            Other(b) => b,
        }
    }

    pub fn is_ok(self) -> bool {
        matches!(self, Status::Success | Status::FindOk)
    }

    pub fn message_zh(self) -> &'static str {
        use Status::*;
        match self {
            Success => "操作成功",
            FindOk => "寻找证/卡成功",
            NoContent => "证/卡中此项无内容",
            HostChecksum => "接收业务终端数据的校验和错",
            HostLength => "接收业务终端数据的长度错",
            BadCommand => "接收业务终端的命令错误",
            NotPermitted => "越权操作",
            Unrecognised => "无法识别的错误",
            CardRejectsSam => "证/卡认证SAM失败",
            SamRejectsCard => "SAM认证证/卡失败",
            VerifyFailed => "信息验证错误",
            NoCardFoundYet => "尚未找卡,不能进行对卡的操作",
            FingerprintVerify => "指纹信息验证错误",
            InfoLength => "信息长度错误",
            UnknownCardType => "无法识别的证/卡类型",
            ReadFailed => "读证/卡操作失败",
            ChallengeFailed => "取随机数失败",
            WriteFailed => "写卡操作失败",
            SelfTestFailed => "SAM自检失败,不能接收命令",
            LoginFailed => "用户登录失败",
            Unauthorised => "SAM没经过授权,无法使用",
            FindFailed => "寻找证/卡失败",
            SelectFailed => "选取证/卡失败",
            CommFailure => "通信故障",
            Other(_) => "未知状态码",
        }
    }

    pub fn message_en(self) -> &'static str {
        use Status::*;
        match self {
            Success => "success",
            FindOk => "card found",
            NoContent => "no content for this item",
            HostChecksum => "the SAM received a bad checksum from the host",
            HostLength => "the SAM received a wrong length or timed out waiting for data",
            BadCommand => "bad command (value or combination)",
            NotPermitted => "operation not permitted",
            Unrecognised => "unrecognised error",
            CardRejectsSam => "the card failed to authenticate the reader",
            SamRejectsCard => "the reader failed to authenticate the card (fake or damaged card)",
            VerifyFailed => "information verification error",
            NoCardFoundYet => "no card found yet: card operation not possible",
            FingerprintVerify => "fingerprint data verification error",
            InfoLength => "information length error",
            UnknownCardType => "unrecognised card type (reader firmware may be too old)",
            ReadFailed => "card read failed",
            ChallengeFailed => "getting a random challenge failed",
            WriteFailed => "card write failed",
            SelfTestFailed => "SAM self-test failed: commands refused",
            LoginFailed => "user login failed",
            Unauthorised => "SAM not authorised (no production keys loaded)",
            FindFailed => "no card found (or the same card is still on the reader)",
            SelectFailed => "selecting the card failed",
            CommFailure => "communication failure",
            Other(_) => "unknown status code",
        }
    }

    /// Translation key of the plain-language message for a citizen.
    pub fn citizen_message(self) -> Message {
        use Status::*;
        match self {
            SamRejectsCard | CardRejectsSam | VerifyFailed => Message::ReaderCardNotAccepted,
            UnknownCardType => Message::ReaderCardType,
            ReadFailed | SelectFailed | ChallengeFailed | InfoLength | FingerprintVerify => Message::ReaderReadAgain,
            FindFailed | NoCardFoundYet => Message::ReaderNoCard,
            _ => Message::ReaderOutOfOrder,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SW3 0x{:02X} {} ({})",
            self.byte(),
            self.message_en(),
            self.message_zh()
        )
    }
}
