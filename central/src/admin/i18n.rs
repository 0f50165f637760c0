//! The back office's words: one catalogue of messages in Chinese (zh-CN, the default: the
//! staff of a Zhejiang service centre read Chinese) and English beside it. A key without
//! both texts does not compile; a test checks that none is empty or left untranslated.

/// The language of a page (the kiosk's own two): `?lang=en` or `?lang=zh` switches, and a
/// cookie keeps it.
pub use township_core::domain::Lang;

/// A language as `?lang=` or the cookie names it.
pub fn parse_lang(text: &str) -> Option<Lang> {
    match text {
        "zh" | "zh-CN" => Some(Lang::Zh),
        "en" => Some(Lang::En),
        _ => None,
    }
}

/// The other language, for the switch in the header.
pub fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    }
}

macro_rules! messages {
    ($($key:ident => $zh:expr, $en:expr;)*) => {
        /// A message of the back office.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum M { $($key),* }

        impl M {
            /// Every message, for the completeness test.
            #[cfg(test)]
            pub const ALL: &'static [M] = &[$(M::$key),*];

            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((M::$key, Lang::Zh) => $zh, (M::$key, Lang::En) => $en,)*
                }
            }
        }
    };
}

messages! {
    SystemName => "就近跑一次 · 后台", "Township central · back office";
    LanguageName => "English", "中文";
    NavQueue => "预审队列", "Queue";
    NavApplications => "全部申请", "Applications";
    NavFleet => "设备", "Fleet";
    NavPayments => "缴费", "Payments";
    NavAudit => "审计日志", "Audit log";
    LogOut => "退出", "Log out";
    LoginTitle => "后台登录", "Back office login";
    LoginName => "用户名", "Operator";
    LoginPassword => "密码", "Password";
    LoginButton => "登录", "Log in";
    FormExpired => "表单已过期,请重试。", "The form has expired: please try again.";
    NameAndPassword => "请填写用户名和密码。", "Name and password are required.";
    LoginFailed => "登录失败。", "Login failed.";
    NotFoundTitle => "未找到", "Not found";
    NotFoundText => "没有这个页面。", "No such page.";
    ErrorTitle => "出错了", "Error";
    ForbiddenTitle => "不允许", "Forbidden";
    ReloadForm => "表单已过期,请刷新页面。", "The form has expired: reload the page.";
    BadRequest => "请求有误", "Bad request";
    UnknownAction => "未知操作。", "Unknown action.";
    // The queue.
    QueueTitle => "预审队列", "Pre-review queue";
    QueueIntro => "按承诺时限排序,最紧的在前;时限按工作日计算。", "Ordered by time limit, the nearest first; limits count working days.";
    FilterService => "事项", "Service";
    FilterKiosk => "设备", "Kiosk";
    FilterState => "状态", "State";
    FilterFrom => "受理日期起", "Received from";
    FilterNumber => "回执号或案件号", "Receipt or case no.";
    FilterAll => "全部", "All";
    FilterButton => "筛选", "Filter";
    SearchPerson => "按身份证号查找(记入审计)", "Find by ID number (audited)";
    SearchButton => "查找", "Find";
    ColReceipt => "回执号", "Receipt";
    ColCase => "案件号", "Case";
    ColService => "事项", "Service";
    ColKiosk => "设备", "Kiosk";
    ColReceived => "受理时间", "Received";
    ColLimit => "承诺时限", "Time limit";
    ColState => "状态", "State";
    ColAssigned => "经办人", "Reviewer";
    ColMaterials => "材料", "Materials";
    AssignToMe => "我来办", "Take it";
    Assign => "分配", "Assign";
    Nobody => "未分配", "nobody";
    DaysLeft => "剩 {} 个工作日", "{} working days left";
    DueToday => "今天到期", "due today";
    Overdue => "已超期 {} 个工作日", "{} working days overdue";
    EmptyQueue => "没有待预审的申请。", "No application waits for pre-review.";
    // Case states.
    StateReceived => "待预审", "received";
    StateApproved => "预审通过", "approved";
    StateSupplement => "待补正", "supplement";
    StateRejected => "不予受理", "rejected";
    StateDone => "已办结", "done";
    // The application page.
    CaseTitle => "申请", "Application";
    Applicant => "申请人", "Applicant";
    Agent => "代办人", "Agent";
    Expected => "承诺办结", "Promised by";
    Message => "给群众的留言", "Message to the citizen";
    ReviewedBy => "预审人", "Reviewed by";
    Required => "必交", "required";
    Optional => "可选", "optional";
    Answers => "表单内容", "Form answers";
    Delivery => "取件方式", "Delivery";
    DeliveryWindow => "窗口领取", "collect at the window";
    DeliveryExpress => "免费快递", "free express delivery";
    Urgent => "加急", "urgent";
    Payment => "缴费", "Payment";
    PaymentNone => "无需缴费", "no fee";
    PaymentPaid => "已缴费", "paid";
    PaymentWindow => "到窗口缴费", "to pay at the window";
    Materials => "材料与照片", "Materials and photos";
    NoPhoto => "未拍照", "no photo";
    Promised => "容缺承诺,补交期限", "Promised (容缺), to supply by";
    Signed => "已签名", "signed";
    Watermark => "仅供预审", "for pre-review only";
    Rotate => "旋转", "Rotate";
    Zoom => "放大", "Zoom";
    Verdict => "审核意见", "Decision";
    VerdictOk => "合格", "acceptable";
    Resupplied => "已补交,待复核", "supplied again, to check";
    SuppliedTag => "补交", "supplied";
    CaseClosed => "此件已结束,无需再预审。", "This case is closed: nothing to review.";
    VerdictFix => "需补正", "needs correcting";
    Reason => "原因", "Reason";
    Note => "补充说明", "Note";
    SaveVerdict => "保存", "Save";
    DecidedBy => "审核人", "decided by";
    History => "办理经过", "History";
    HistoryEmpty => "(尚无记录)", "(nothing yet)";
    EventSubmitted => "在自助机提交", "submitted at the kiosk";
    EventSupplement => "群众补交了材料", "the citizen supplied material";
    EventAssigned => "分配给", "assigned to";
    EventMaterialOk => "材料合格", "material acceptable";
    EventMaterialFix => "材料需补正", "material needs correcting";
    EventReview => "预审结论", "pre-review";
    RevealTitle => "查看完整信息", "Applicant in full";
    RevealReason => "查看原因(记入审计日志)", "Reason (written to the audit log)";
    RevealButton => "查看", "Reveal";
    RevealShownFor => "查看原因:", "Shown for: ";
    RevealAudited => " — 本次查看已记入审计日志。", " — this reveal is in the audit log.";
    RevealName => "姓名", "Name";
    RevealId => "身份证号", "ID number";
    BackToCase => "返回申请", "Back to the application";
    PreReview => "预审", "Pre-review";
    ReviewMessage => "给群众的留言(要求补正时可留空:按上面标为需补正的材料自动生成)", "Message to the citizen (for a supplement request it may stay empty: it is built from the materials marked above)";
    Approve => "预审通过", "Approve";
    AskSupplement => "要求补正", "Request a supplement";
    Reject => "不予受理", "Reject";
    Done => "办结", "Done";
    // Lists.
    ApplicationsTitle => "全部申请", "Applications";
    Ago => "{}前", "{} ago";
    Never => "从未", "never";
    // The fleet.
    FleetTitle => "设备总览", "Fleet";
    FleetDetails => "设备明细", "Each kiosk's devices";
    FleetSummary => "{} 台设备:{} 在线,{} 部分异常,{} 离线。后台保存申请 {} 件。", "{} kiosks: {} online, {} partial, {} offline. Applications held: {}.";
    Online => "在线", "online";
    Partial => "部分异常", "partial";
    Offline => "离线", "offline";
    ColVersion => "版本", "Version";
    ColUptime => "运行时间", "Uptime";
    ColHeartbeat => "最近心跳", "Last heartbeat";
    ColReader => "读卡器", "Reader";
    ColPrinter => "打印机", "Printer";
    ColCamera => "高拍仪", "Camera";
    ColGpio => "传感器", "GPIO";
    ColPaper => "纸张", "Paper";
    ColOutbox => "待发送", "Outbox";
    ColOldest => "最久待发", "Oldest pending";
    ColDead => "被拒", "Dead";
    ColLastSent => "最近发送", "Last sent";
    ColCertificate => "证书", "Certificate";
    ColErrors => "最近错误", "Last errors";
    ColFirmware => "固件(分区)", "Firmware (slot)";
    RolloutsTitle => "固件发布", "Firmware rollouts";
    NoRollouts => "尚无固件发布。", "No rollouts yet.";
    ColRollout => "发布", "Rollout";
    ColShare => "推送比例", "Offered to";
    ColProgress => "进度", "Progress";
    ColFailures => "失败", "Failures";
    RolloutActive => "推送中", "active";
    RolloutPaused => "已暂停", "paused";
    RolloutHalted => "已自动停止", "halted";
    RolloutAborted => "已中止", "aborted";
    RolloutCompleted => "已完成", "completed";
    StageDownloading => "下载中", "downloading";
    StageDownloaded => "已下载,待空闲时安装", "downloaded, installs when idle";
    StageInstalling => "安装中", "installing";
    StageRebooting => "重启中", "rebooting";
    StageDone => "已更新", "updated";
    StageFailed => "失败", "failed";
    CertificateDays => "剩 {} 天", "{} days left";
    MoreKiosks => "……另有 {} 台(见 /metrics)。", "… and {} more (see /metrics).";
    // Statistics.
    NavStats => "统计", "Statistics";
    StatsTitle => "办件统计", "Statistics";
    StatsTo => "至", "to";
    ExportCsv => "导出 CSV(记入审计)", "Export CSV (audited)";
    AllCases => "合计", "All";
    ColApplications => "申请数", "Applications";
    ColReviewed => "已预审", "Reviewed";
    ColMedian => "预审用时中位数", "Pre-review time, median";
    ColP90 => "预审用时 P90", "Pre-review time, p90";
    ColSupplementRate => "补正率", "Supplement rate";
    ColRefusalRate => "不予受理率", "Refusal rate";
    PerDay => "每日申请", "Applications per day";
    PerService => "按事项", "By service";
    PerKiosk => "按设备", "By kiosk";
    Ratings => "好差评", "Ratings";
    RatingsCount => "共 {} 条评价", "{} ratings";
    Stars => "{} 星", "{} stars";
    ReasonShare => "评价原因占比", "Share of each reason";
    Complaints => "咨询投诉", "Consultations and complaints";
    ColTopic => "类别", "Topic";
    ColCount => "数量", "Count";
    // A kiosk's page.
    KioskTitle => "设备", "Kiosk";
    BeatsChart => "最近 24 小时的心跳(每 5 分钟;绿色:设备正常,橙色:有设备异常,空白:未联系)", "Heartbeats over the last 24 hours (per 5 minutes; green: devices working, amber: a device not working, gap: no contact)";
    PendingChart => "待发送申请数", "Applications waiting to be sent";
    // The front desk.
    NavBookings => "预约", "Bookings";
    NavComplaints => "咨询投诉", "Complaints";
    BookingsTitle => "当日预约", "The day's bookings";
    Day => "日期", "Day";
    ColTime => "时段", "Time";
    ColBooking => "预约号", "Booking";
    ColPhone => "手机", "Phone";
    NoBookings => "这一天没有预约。", "No booking on this day.";
    ComplaintsTitle => "咨询投诉工单", "Consultations and complaints";
    ColTicket => "工单号", "Ticket";
    ColText => "内容", "Text";
    ColReply => "答复", "Reply";
    TicketOpen => "待答复", "open";
    TicketAnswered => "已答复(短信已交网关发送)", "answered (SMS handed to the gateway)";
    ReplyLabel => "答复内容(以短信发到群众手机)", "Reply (sent by SMS to the citizen's number)";
    SendReply => "答复", "Send reply";
    NoComplaints => "没有工单。", "No ticket.";
    // Units and device words.
    Seconds => "{} 秒", "{} s";
    Minutes => "{} 分钟", "{} min";
    Hours => "{} 小时", "{} h";
    Days => "{} 天", "{} d";
    DeviceOk => "正常", "working";
    DeviceSim => "模拟设备", "simulated";
    DeviceAbsent => "未配置", "not configured";
    DeviceFault => "故障:{}", "fault: {}";
    PaperOk => "充足", "ok";
    PaperLow => "不足", "low";
    PaperOut => "缺纸", "out";
    // Audit actions.
    ActLogin => "登录", "log-in";
    ActReveal => "查看完整信息", "reveal";
    ActPhotoView => "查看照片", "photo viewed";
    ActAssign => "分配", "assignment";
    ActSearch => "按身份证号查找", "search by ID number";
    ActReply => "答复工单", "complaint answered";
    ActExport => "导出 CSV", "CSV export";
    ActReview => "预审结论", "pre-review";
    ActEnrol => "设备注册", "kiosk enrolled";
    ActRevoke => "吊销证书", "certificate revoked";
    ActOperator => "账号设置", "operator account";
    ActPayment => "缴费操作", "payment action";
    ActPinRecovery => "维护 PIN 找回码", "PIN recovery code";
    // Payments and audit.
    PaymentsTitle => "缴费订单", "Payments";
    Sandbox => "缴费沙箱:“标记已付”由模拟支付方付款。生产环境不可开启。", "PAYMENT SANDBOX: \"Mark paid\" asks the simulated provider to pay. Never on a production server.";
    ProviderOnly => "订单只凭支付方签名的通知变为已付。", "Orders turn paid only by the payment provider's signed notification.";
    ColOrder => "订单", "Order";
    ColAmount => "金额", "Amount";
    MarkPaid => "标记已付(沙箱)", "Mark paid (sandbox)";
    Expire => "作废", "Expire";
    AuditTitle => "审计日志", "Audit log";
    ColWhen => "时间", "When";
    ColWho => "操作人", "Who";
    ColAction => "操作", "Action";
    ColSubject => "对象", "Subject";
}

/// `text` with each `{}` replaced by the next of `values`.
pub fn fill(text: &str, values: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut values = values.iter();
    let mut rest = text;
    while let Some(i) = rest.find("{}") {
        out.push_str(&rest[..i]);
        if let Some(value) = values.next() {
            out.push_str(&value.to_string());
        }
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both languages complete: no text empty, none left in the other language, the same
    /// placeholders in both.
    #[test]
    fn every_message_has_chinese_and_english() {
        for m in M::ALL {
            let (zh, en) = (m.text(Lang::Zh), m.text(Lang::En));
            assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{m:?}");
            assert_ne!(zh, en, "{m:?} is not translated");
            let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            let english_name = *m == M::LanguageName;
            assert!(cjk(zh) || english_name, "{m:?}: no Chinese in {zh:?}");
            assert!(
                !cjk(en) || *m == M::LanguageName || en.contains('容'),
                "{m:?}: Chinese in {en:?}"
            );
            assert_eq!(zh.matches("{}").count(), en.matches("{}").count(), "{m:?}");
        }
        assert_eq!(Lang::default(), Lang::Zh, "Chinese first");
    }

    #[test]
    fn placeholders_are_filled_in_order() {
        assert_eq!(fill("剩 {} 天", &[&12]), "剩 12 天");
        assert_eq!(fill("{} of {}", &[&1, &"2"]), "1 of 2");
    }
}
