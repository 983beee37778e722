# flexybot — Arabic (default and reference locale).
# Every message is HTML (parse_mode HTML). String variables are escaped by the bot; numbers are only
# used to pick plural forms ($n), what is shown is a pre-formatted string ($nText, $amount, ...).
# Each line that has visible text starts with an Arabic word (the line's direction follows its first
# letter); refs, ids and codes go alone on their own line inside <code>.
# One word per notion: التعبئة (top-up), الطلب (order), التحقق (a check, the provider's or the bot's),
# حُسم (resolved), الزبون (the reseller's customer); OneClickDz is feminine (رفضت، تتحقق).

## General

start =
    مرحبًا بك في flexybot!
    يتابع هذا البوت طلبات التعبئة (رصيد الهاتف والإنترنت) في حسابك على OneClickDz.
    أرسل الأمر /status متبوعًا بمرجع الطلب أو معرّفه، فيعرض البوت حالته في رسالة تتجدّد تلقائيًا إلى أن تظهر النتيجة.
    وإذا بقي الطلب معلّقًا (قيد التحقق أو مجدولًا)، يواصل البوت متابعته لساعات ويرسل لك رسالة جديدة فور حسمه.
    مثال:
    <code>/status order-123</code>
    لتغيير لغة البوت: /language
    لعرض كل الأوامر: /help

help =
    <b>الأوامر المتاحة</b>
    لمتابعة طلب: أرسل /status ثم مرجع الطلب أو معرّفه، مثلًا:
    <code>/status order-123</code>
    لعرض الطلبات التي لم تُحسم بعد: /pending
    لإيقاف إشعارات طلب: أرسل /unwatch ثم مرجعه
    لتغيير اللغة: /language
    لعرض هذه المساعدة: /help
    في المحادثة الخاصة مع البوت يكفي إرسال المرجع أو المعرّف وحده.

status-usage =
    أرسل مرجع الطلب أو معرّفه بعد الأمر، مثلًا:
    <code>/status order-123</code>

invalid-ref-too-long = هذا المرجع طويل جدًا: يجب ألّا يتجاوز عدد أحرفه { $maxLength }.

invalid-ref-chars =
    يحتوي المرجع على رموز غير مسموح بها.
    المسموح به: الحروف والأرقام والرموز <code>- _ . + : @</code>

invalid-ref-empty = المرجع فارغ. أرسل مرجع الطلب أو معرّفه.

status-not-a-ref =
    لا تبدو هذه الرسالة مرجع طلب.
    لمتابعة طلب أرسل /status ثم مرجعه أو معرّفه (كلمة واحدة دون مسافات)، مثلًا:
    <code>/status order-123</code>
status-key-not-a-ref = هذا يشبه مفتاح API من OneClickDz وليس مرجع طلب. لربط مفتاح، أرسل /link متبوعًا بالمفتاح في محادثة خاصة.

status-no-order-in-message =
    لا تعرض الرسالة المقصودة أي طلب يتابعه البوت في حسابك.
    أرسل /status ثم مرجع الطلب أو معرّفه، مثلًا:
    <code>/status order-123</code>

status-looking-up =
    جارٍ البحث عن الطلب لدى OneClickDz…
    <code>{ $query }</code>
status-replaced =
    تظهر حالة هذا الطلب الآن في رسالة أحدث أدناه، وهي التي تُحدَّث تلقائيًا. 🔁
    <code>{ $query }</code>

status-not-found =
    لا تعرف OneClickDz (حتى الآن) هذا المرجع أو المعرّف في حسابك:
    <code>{ $query }</code>
    قد يتأخر قليلًا ظهور طلب أُرسل قبل لحظات. تحقّق من المرجع، ثم أعد البحث بعد دقيقة بإرسال:
    <code>/status { $query }</code>

status-provider-down =
    تعذّر الاتصال بـ OneClickDz للتحقق من:
    <code>{ $query }</code>
    أعد المحاولة بعد بضع دقائق.

status-provider-auth =
    رفضت OneClickDz مفتاح API الخاص بهذا الحساب، فلا يمكن التحقق من الطلبات الآن.
    يجب إصلاح المفتاح: يربط صاحب الحساب مفتاحًا جديدًا عبر /link (أما حساب البوت نفسه فيصلحه مسؤول البوت). يعيد البوت التحقق من المفتاح تلقائيًا ثم يستأنف المتابعة.
status-key-unlinked =
    ألغى صاحب هذا الحساب ربط مفتاح OneClickDz الخاص به، فلا يمكن التحقق من هذا الطلب الآن:
    <code>{ $query }</code>
    لم يُرسَل شيء ولم يُرفض شيء. بعد أن يربط صاحب الحساب مفتاحًا من جديد عبر /link، أعد المحاولة بـ /status.

status-no-account = لم يُربط هذا البوت بأي حساب على OneClickDz. يُرجى إبلاغ مسؤول البوت.

access-denied =
    عذرًا، هذا البوت مخصّص لمستخدمين محدّدين.
    إن كنت تحتاج إلى استعماله، فأرسل معرّفك هذا إلى مسؤول البوت:
    <code>{ $userId }</code>

access-denied-short = عذرًا، هذا البوت مخصّص لمستخدمين محدّدين.

## Accounts: linking a OneClickDz key (/start, /link, /unlink)

onboarding-welcome =
    مرحبًا بك في flexybot! يتابع هذا البوت طلبات الشحن في حسابك على OneClickDz.
    اختر لغتك أولًا:

link-prompt =
    أرسل لي الآن مفتاح API الخاص بحسابك على OneClickDz في رسالتك التالية، أو بالشكل التالي: 🔑
    <code>/link مفتاحك</code>
    تجده في enterprise.oneclickdz.com ← Settings ← API Configuration.
    أحذف الرسالة التي تحمل المفتاح فورًا وأحفظ المفتاح مشفّرًا.

link-needed =
    اربط حسابك على OneClickDz أولًا: أرسل /link ثم مفتاح API.

link-not-allowed =
    ربط حساب OneClickDz غير مفتوح في هذا البوت. حذفت أي مفتاح أرسلته.
    إذا كنت تحتاج إلى الوصول، أعطِ هذا المعرّف لمسؤول البوت:
    <code>{ $userId }</code>

link-no-vault =
    لا يستطيع هذا البوت حفظ مفاتيح OneClickDz: لم يضبط مسؤوله ENCRYPTION_KEY.
    لم يُحفظ شيء. على المسؤول ضبطه قبل أن يتمكّن أي أحد من ربط حساب.

link-bad-shape =
    هذا ليس مفتاح API من OneClickDz. يبدو المفتاح هكذا:
    <code>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</code>
    انسخه من enterprise.oneclickdz.com ← Settings ← API Configuration.


key-deleted-group =
    حذفت رسالة تشبه مفتاح API من OneClickDz. لا تشارك مفتاح API في مجموعة أبدًا. 🔒
    لربط حساب، أرسل /link في محادثة خاصة مع البوت.

key-deleted-offer =
    حذفت رسالتك لأنها تشبه مفتاح API من OneClickDz. 🔒
    لربط هذا المفتاح، أرسل /link متبوعًا بالمفتاح وحده في رسالة واحدة.

link-checking = جارٍ التحقق من المفتاح لدى OneClickDz… 🔑

link-done =
    تم ربط الحساب. ✅
    اسم المستخدم: <code>{ $username }</code>
    البيئة: { $environment }
    الصلاحية: { $scope }
    تابع طلبًا بالأمر /status ومرجعه، وانظر /account و /balance.

link-done-again =
    تم ربط المفتاح من جديد: طلبات حسابك ما زالت هنا. ✅
    اسم المستخدم: <code>{ $username }</code>
    البيئة: { $environment }
    الصلاحية: { $scope }

link-read-only = هذا المفتاح للقراءة فقط (READ-ONLY): يمكنك متابعة الطلبات، لكن إعادة إرسال شحن تتطلّب مفتاحًا READ-WRITE.

link-invalid =
    لا يقبل OneClickDz هذا المفتاح (خاطئ أو منتهٍ أو ملغى). لم يُحفظ شيء. ❌
    انسخ المفتاح كاملًا من لوحة التحكم وأرسل /link.

link-disabled =
    هذا المفتاح معطّل في لوحة تحكم OneClickDz. لم يُحفظ شيء. ⛔
    فعّله (Settings ← API Configuration) ثم أرسل /link من جديد.

link-ip-not-allowed =
    يرفض OneClickDz هذا المفتاح من خادم البوت: قائمة عناوين IP المسموح بها للمفتاح لا تتضمّنه. لم يُحفظ شيء. ⛔
    أضف عنوان IP الخادم إلى العناوين المسموح بها للمفتاح (أو أفرغ القائمة) ثم أرسل /link من جديد.

link-busy =
    عمليات تحقق كثيرة من المفاتيح الآن: حتى لا يحظر OneClickDz البوت، لن يُتحقق من أي مفتاح قبل { $time }. لم يُحفظ شيء. ⏳
    أرسل /link من جديد بعد هذا الوقت.

link-too-many =
    تحقّقت من 3 مفاتيح خلال آخر 15 دقيقة. حاول من جديد بعد { $time }. ⏳

link-unavailable = لم يردّ OneClickDz. لم يُحفظ شيء، أرسل /link من جديد بعد بضع دقائق. ⚠️

link-taken = هذا الحساب على OneClickDz مربوط من قِبل شخص آخر. اطلب دعوة من صاحبه.

link-owns-other =
    لديك حساب مربوط بالفعل: <code>{ $username }</code> ({ $environment }).
    أرسل /unlink أولًا لربط حساب آخر.

link-key-rejected =
    رفض OneClickDz مفتاح حسابك المربوط <code>{ $username }</code> ({ $environment }). ⚠️
    توقّفت الطلبات بهذا المفتاح. تحقّق من المفتاح في لوحة التحكم، وإن أنشأت مفتاحًا جديدًا فأرسله مع /link.

unlink-done =
    تمت إزالة مفتاح OneClickDz الخاص بك (<code>{ $username }</code>).
    طلبات الحساب محفوظة: اربط مفتاحًا من الحساب نفسه من جديد لاستعادتها.

unlink-none = ليس لديك حساب OneClickDz مربوط.
## Staff and groups

invite-created =
    رابط دعوة لعضو في الفريق، يُستعمل مرة واحدة (صالح 24 ساعة، لشخص واحد):
    <code>{ $link }</code>
    أرسله فقط إلى الشخص الذي تريد إضافته. يستطيع الفريق البحث عن الطلبات ومتابعتها، ولا يستطيع إعادة الإرسال إلا بعد أن تسمح له بذلك في /staff.
button-invite-revoke = ✖️ إلغاء هذه الدعوة
button-invite-revoke-n = ✖️ إلغاء الدعوة { $index }
invite-revoked = أُلغيت الدعوة: لم يعد الرابط صالحًا.
invite-not-revocable = لم يعد ممكنًا إلغاء هذه الدعوة (استُعملت أو انتهت صلاحيتها أو أُلغيت).
invite-failed-unknown = رابط الدعوة هذا غير صالح. اطلب رابطًا جديدًا من صاحب الحساب.
invite-failed-expired = انتهت صلاحية رابط الدعوة هذا (الروابط صالحة 24 ساعة). اطلب رابطًا جديدًا من صاحب الحساب.
invite-failed-used = استُعمل رابط الدعوة هذا من قبل (كل رابط لشخص واحد). اطلب رابطًا جديدًا من صاحب الحساب.
invite-failed-revoked = ألغى صاحب الحساب رابط الدعوة هذا.
invite-own-account = أنت صاحب هذا الحساب: لا تحتاج إلى دعوة.
invite-joined =
    مرحبًا! انضممت إلى فريق الحساب.
    أرسل /status مع مرجع الطلب لمتابعته. إعادة إرسال التعبئة تحتاج إلى إذن صاحب الحساب.
invite-already-staff = أنت عضو في فريق هذا الحساب من قبل.
invite-used =
    انضم { $name } إلى حسابك عضوًا في الفريق برابط دعوتك.
    يمكنه البحث عن الطلبات ومتابعتها، وتبقى إعادة الإرسال موقوفة حتى تسمح بها في /staff (ويمكنك حذفه من هناك أيضًا).
staff-owner-only = لا يدير الفريق إلا صاحب الحساب.
staff-none = لا يوجد أعضاء في الفريق بعد. أرسل /invite لإنشاء رابط دعوة.
staff-header = الفريق ({ $count }):
staff-line = العضو { $index }: { $name } — يتابع الطلبات
staff-line-resend = العضو { $index }: { $name } — يتابع الطلبات ويعيد إرسال التعبئة
staff-invites-open = دعوات لم تُستعمل بعد: { $count }
staff-hint = يتوقّف العضو المُزال عن تلقي الإشعارات فورًا. الأمر /invite ينشئ رابطًا جديدًا.
button-staff-remove = 🗑 إزالة { $index }
button-staff-allow = ✅ السماح بإعادة الإرسال { $index }
button-staff-forbid = 🚫 منع إعادة الإرسال { $index }
staff-removed = أُزيل { $name } من الفريق.
staff-resend-allowed = أصبح بإمكان { $name } إعادة إرسال التعبئة.
staff-resend-forbidden = لم يعد بإمكان { $name } إعادة إرسال التعبئة.
staff-stale = لم يعد هذا العضو في فريقك.
resend-not-allowed = لا يعيد إرسال التعبئة إلا صاحب الحساب أو عضو في الفريق سمح له بذلك.
group-not-linked =
    هذه المجموعة غير مربوطة بحساب OneClickDz، لذا لا يعرض البوت فيها أي طلب.
    يربطها صاحب الحساب (وهو مشرف في المجموعة) بإرسال <code>/link@{ $bot }</code> هنا.
group-not-linked-short = هذه المجموعة غير مربوطة بحساب.
group-link-owner-only = لا يربط المجموعة إلا صاحب حساب OneClickDz مربوط بهذا البوت.
group-link-admin-only = لا يربط المجموعة إلا مشرف فيها.
group-linked-other = هذه المجموعة مربوطة بحساب آخر. على صاحبه أن يفكّ ربطها أولًا.
group-linked =
    أصبحت هذه المجموعة مجموعة فريق الحساب: يستطيع أعضاؤها متابعة الطلبات بالأمر <code>/status@{ $bot } المرجع</code>. لا يعيد إرسال التعبئة إلا صاحب الحساب والأعضاء المسموح لهم.
    ينهي صاحب الحساب الربط بالأمر <code>/unlink@{ $bot }</code>.
group-unlink-owner-only = لا يفكّ ربط المجموعة إلا صاحب حسابها.
group-unlinked = لم تعد هذه المجموعة مربوطة: لا يعرض البوت فيها أي طلب. يستطيع صاحب الحساب ربطها من جديد بالأمر <code>/link@{ $bot }</code>.
group-anonymous-link =
    أُرسل هذا الأمر باسم المجموعة (مشرف مجهول) أو باسم قناة، فلا يعرف البوت من أرسله.
    ليضغط صاحب الحساب على الزر أدناه لربط المجموعة؛ يعمل الزر مرة واحدة خلال عشر دقائق.
group-anonymous-unlink =
    أُرسل هذا الأمر باسم المجموعة (مشرف مجهول) أو باسم قناة، فلا يعرف البوت من أرسله.
    ليضغط صاحب حساب المجموعة على الزر أدناه لفكّ ربطها؛ يعمل الزر مرة واحدة خلال عشر دقائق.
group-claim-link-button = أنا صاحب الحساب: اربط هذه المجموعة
group-claim-unlink-button = أنا صاحب الحساب: فكّ ربط هذه المجموعة
group-claim-expired = انتهت صلاحية هذا الزر أو استُعمل. أرسل الأمر من جديد.

## /balance and /account

balance-loading = جارٍ طلب الرصيد من OneClickDz…
balance-shown =
    الرصيد: <b>{ $amount }</b>
    عند الساعة { $time }.
balance-unavailable = لم تردّ OneClickDz. أعد المحاولة بالأمر /balance بعد دقيقة.
balance-key-problem = ترفض OneClickDz مفتاح هذا الحساب حاليًا، لذا لا يمكن قراءة الرصيد. انظر /account.
balance-key-unlinked = ألغى صاحب هذا الحساب ربط مفتاح OneClickDz الخاص به، لذا لا يمكن قراءة الرصيد. يربط المالك مفتاحًا من جديد عبر /link.
account-private-only = استعمل /balance و /account في محادثة خاصة مع البوت.
account-role-owner = المالك
account-role-staff = عضو في الفريق
account-role-member = عضو في مجموعة الفريق
account-env-name = حساب البوت نفسه
account-staff-none = الفريق: لا أعضاء بعد (الأمر /invite ينشئ رابط دعوة).
account-staff = الفريق ({ $count }): { $names } — أدِره من /staff.
account-groups-none = مجموعات الفريق: لا توجد (أضف البوت إلى مجموعة وأرسل فيها /link).
account-groups = مجموعات الفريق ({ $count }): { $names }
account-resends-header = آخر عمليات إعادة الإرسال (آخر 24 ساعة):
account-resend-line = أرسلها { $name }: { $offer } — { $amount } على الساعة { $time }
account-resend-line-withdrawn = أكّدها { $name }: { $offer } — { $amount } على الساعة { $time } (لم تُرسَل: سُحب حق إعادة الإرسال)
account-choose = أنت عضو في عدة حسابات. تعمل هذه المحادثة لحساب:
button-account-current = ✅ { $name }
button-account-act = { $name }
account-acting-now = أصبحت هذه المحادثة تعمل لحساب { $name }.
staff-stale-account = لم تعد عضوًا في هذا الحساب.
account-env =
    الحساب: حساب OneClickDz الخاص بالبوت (يضبطه مسؤوله).
    دورك: { $role }
account-linked =
    الحساب: <code>{ $username }</code>
    البيئة: { $environment }
    الصلاحية: { $scope }
    دورك: { $role }

## Command menu (setMyCommands)

command-status = متابعة طلب تعبئة بمرجعه أو معرّفه
command-language = تغيير لغة البوت
command-pending = الطلبات التي لم تُحسم بعد
command-unwatch = إيقاف إشعارات طلب
command-help = طريقة الاستعمال
command-link = ربط حسابك على OneClickDz (مفتاح API)
command-unlink = إزالة مفتاح OneClickDz المربوط
command-balance = رصيد حسابك على OneClickDz
command-account = حساب OneClickDz المستعمل هنا
command-invite = دعوة عضو إلى الفريق (رابط لمرة واحدة)
command-staff = فريقك: إزالة عضو أو السماح بإعادة الإرسال أو منعها
command-link-group = ربط هذه المجموعة بحسابك (صاحب الحساب، مشرف)
command-unlink-group = فكّ ربط هذه المجموعة بحسابها (صاحب الحساب)

language-choose = اختر لغة البوت في هذه المحادثة:
language-set = أصبحت لغة البوت في هذه المحادثة: العربية.
language-name-ar = العربية
language-name-fr = Français
language-name-en = English

error-generic = حدث خطأ، ولم يتغيّر شيء. أعد المحاولة.

## Durations (fragments placed inside a sentence, e.g. order-line-elapsed)
# In the genitive (ثانيتين، يومين): a sentence places them right after a preposition (منذ، بعد، خلال),
# never as a subject or after a colon (a test checks both).

duration-seconds =
    { $n ->
        [0] أقل من ثانية
        [one] ثانية واحدة
        [two] ثانيتين
        [few] { $nText } ثوانٍ
        [many] { $nText } ثانية
       *[other] { $nText } ثانية
    }
duration-minutes =
    { $n ->
        [0] أقل من دقيقة
        [one] دقيقة واحدة
        [two] دقيقتين
        [few] { $nText } دقائق
        [many] { $nText } دقيقة
       *[other] { $nText } دقيقة
    }
duration-hours =
    { $n ->
        [0] أقل من ساعة
        [one] ساعة واحدة
        [two] ساعتين
        [few] { $nText } ساعات
        [many] { $nText } ساعة
       *[other] { $nText } ساعة
    }
duration-days =
    { $n ->
        [0] أقل من يوم
        [one] يوم واحد
        [two] يومين
        [few] { $nText } أيام
        [many] { $nText } يومًا
       *[other] { $nText } يوم
    }
duration-pair = { $first } و{ $second }

## Order status: headlines (marker at the end so the line still starts with an Arabic word)

order-headline-mobile-pending = <b>تعبئة رصيد الهاتف: في انتظار المعالجة</b> ⏳
order-headline-mobile-processing = <b>تعبئة رصيد الهاتف: قيد المعالجة</b> ⏳
order-headline-mobile-fulfilled = <b>تعبئة رصيد الهاتف: تمّت بنجاح</b> ✅
order-headline-mobile-refunded = <b>تعبئة رصيد الهاتف: فشلت وأُعيد المبلغ إلى رصيدك</b> ❌
order-headline-mobile-verifying = <b>تعبئة رصيد الهاتف: قيد التحقق لدى OneClickDz</b> ⚠️
order-headline-mobile-queued = <b>تعبئة رصيد الهاتف: مجدولة لوقت لاحق</b> ⏰
order-headline-mobile-unknown = <b>تعبئة رصيد الهاتف: حالة غير معروفة</b> ❔
order-headline-internet-pending = <b>تعبئة الإنترنت: في انتظار المعالجة</b> ⏳
order-headline-internet-processing = <b>تعبئة الإنترنت: قيد المعالجة</b> ⏳
order-headline-internet-fulfilled = <b>تعبئة الإنترنت: تمّت بنجاح</b> ✅
order-headline-internet-refunded = <b>تعبئة الإنترنت: فشلت وأُعيد المبلغ إلى رصيدك</b> ❌
order-headline-internet-verifying = <b>تعبئة الإنترنت: قيد التحقق لدى OneClickDz</b> ⚠️
order-headline-internet-queued = <b>تعبئة الإنترنت: مجدولة لوقت لاحق</b> ⏰
order-headline-internet-unknown = <b>تعبئة الإنترنت: حالة غير معروفة</b> ❔

## Order status: what the state means for the reseller

order-refunded-note = لم تصل التعبئة، وأعادت OneClickDz المبلغ إلى رصيدك. يمكنك الآن إرجاع المبلغ لزبونك.
order-verifying-note =
    تتحقق OneClickDz من هذه العملية، ويُحسم الأمر عادةً خلال ساعة إلى 24 ساعة.
    <b>لا تُرجع المبلغ لزبونك ولا تُعِد إرسال التعبئة الآن</b>، فربما وصلت التعبئة فعلًا. سيرسل لك البوت رسالة جديدة عند صدور النتيجة.
order-verifying-note-quiet =
    تتحقق OneClickDz من هذه العملية، ويُحسم الأمر عادةً خلال ساعة إلى 24 ساعة.
    <b>لا تُرجع المبلغ لزبونك ولا تُعِد إرسال التعبئة الآن</b>، فربما وصلت التعبئة فعلًا.
order-queued-note =
    هذا الطلب مجدول: ستعالجه OneClickDz خلال 12 إلى 48 ساعة.
    هذا أمر عادي، والطلب لم يُلغَ. سيرسل لك البوت رسالة جديدة عند معالجته.
order-queued-note-quiet =
    هذا الطلب مجدول: ستعالجه OneClickDz خلال 12 إلى 48 ساعة.
    هذا أمر عادي، والطلب لم يُلغَ.
order-unknown-status = أرسلت OneClickDz حالة لا يعرفها البوت: <code>{ $status }</code>
order-label-provider-message = رسالة OneClickDz:
order-label-suggested-offers = العروض التي تقترحها OneClickDz لهذا الرقم:
order-line-offer = عرض مقترح: { $name } — <code>{ $plan }</code> — { $amount }

## Order status: fields

order-label-ref = المرجع:
order-label-id = معرّف الطلب لدى OneClickDz:
order-label-follow-order = طلب مرتبط (متابعة)، يتابعه البوت أيضًا:
order-label-retry-order = طلب مرتبط (إعادة محاولة)، يتابعه البوت أيضًا:
order-line-number = الرقم: <code>{ $number }</code>
order-line-plan = العرض: { $plan }
order-line-type = نوع الخدمة: { $type }
order-line-amount = المبلغ: { $amount }
order-line-balance-amount = المخصوم من رصيدك: { $amount }
order-label-card-code = رمز البطاقة (انسخه وأرسله إلى زبونك):
order-line-num-trans = رقم المعاملة: <code>{ $numTrans }</code>
order-line-processed-at = تاريخ المعالجة: { $date }

## Order status: tracking

order-line-elapsed = أُنشئ الطلب منذ { $duration }
order-still-processing = لا يزال الطلب قيد المعالجة. يواصل البوت التحقق منه وسيرسل لك رسالة عند حسمه.
order-still-processing-quiet = لا يزال الطلب قيد المعالجة. يواصل البوت التحقق منه.
order-muted = الإشعارات متوقفة لهذا الطلب في هذه المحادثة: لن تصلك رسالة جديدة عند حسمه، لكن هذه الرسالة تبقى محدَّثة. 🔕
order-tracking-stopped = توقّف البوت عن متابعة هذا الطلب تلقائيًا. أرسل /status مع المرجع للتحقق منه من جديد.
order-expired-customer = قل لزبونك: ما زال الطلب قيد التحقق لدى OneClickDz. لا تُرجع له المبلغ ولا تُعِد الإرسال قبل أن تؤكّد OneClickDz النتيجة.
order-expired-support = اطلب من دعم OneClickDz حسم هذا الطلب، وزوّدهم بالمرجع والمعرّف أعلاه وتاريخ إنشائه: { $created }

## Long tail: buttons, /pending, /unwatch

button-mute = إيقاف الإشعارات 🔕
mute-done = لن تصلك إشعارات أخرى عن هذا الطلب في هذه المحادثة.
mute-already = سبق إيقاف إشعارات هذا الطلب في هذه المحادثة.
mute-settled = حُسم هذا الطلب بالفعل: لم تعد هناك إشعارات لإيقافها.
mute-stale = لم يعد هذا الزر صالحًا.
unwatch-usage =
    أرسل مرجع الطلب أو معرّفه بعد الأمر، مثلًا:
    <code>/unwatch order-123</code>
unwatch-done =
    أُوقفت إشعارات هذا الطلب في هذه المحادثة:
    <code>{ $query }</code>
unwatch-already =
    سبق إيقاف إشعارات هذا الطلب في هذه المحادثة:
    <code>{ $query }</code>
unwatch-settled =
    حُسم هذا الطلب بالفعل: لم تعد هناك إشعارات لإيقافها.
    <code>{ $query }</code>
unwatch-not-found =
    لا تتابع هذه المحادثة أي طلب بهذا المرجع:
    <code>{ $query }</code>
pending-empty = لا توجد طلبات قيد المتابعة في هذه المحادثة.
pending-header = الطلبات التي لم تُحسم بعد ({ $count }):
pending-searching = جارٍ البحث عن الطلب
pending-age = أُنشئ منذ { $age }
pending-next-check = التحقق التالي: { $time }
pending-muted = الإشعارات متوقفة في هذه المحادثة (رسالة الحالة تبقى محدَّثة) 🔕

order-line-last-checked = آخر تحقق: { $time }
order-provider-parked = توقّفت المتابعة مؤقتًا: ترفض OneClickDz هذا الحساب حاليًا (رُفض مفتاحه أو حُظر الوصول)، أو ألغى صاحبه ربط مفتاحه، وقد لا تكون هذه الحالة محدّثة. بعد أن يربط صاحب الحساب مفتاحًا صالحًا عبر /link (أو يصلحه مسؤول البوت إن كان حساب البوت نفسه) تُستأنف المتابعة تلقائيًا.
order-provider-trouble = تعذّر الاتصال بـ OneClickDz عند آخر تحقق، فقد لا تكون هذه الحالة محدّثة. ستُعاد المحاولة تلقائيًا.

## Suggested offers: buttons, confirmation, re-send

button-offer = { $name } — { $amount }
button-offer-prev = ◀️ السابق
button-offer-next = التالي ▶️
button-confirm = تأكيد الإرسال ✅
button-cancel = إلغاء ✖️
button-other-amount = مبلغ آخر ✏️
offer-confirm =
    <b>تأكيد إرسال العرض المقترح</b>
    الرقم: <code>{ $number }</code>
    العرض: { $name }
    رمز العرض: <code>{ $plan }</code>
    المبلغ: { $amount }
    رصيدك الحالي: { $balance }
    اضغط «تأكيد الإرسال» لإرسال هذه التعبئة مرة واحدة فقط.
offer-loading = جارٍ التحميل…
offer-balance-unknown = غير متاح الآن
offer-read-only = مفتاح API لهذا الحساب للقراءة فقط (READ-ONLY)، لذلك لا يستطيع البوت إرسال أي تعبئة. اطلب من المسؤول مفتاحًا بصلاحية READ-WRITE.
offer-expired = انتهت صلاحية هذا العرض أو لم يعد صالحًا. أرسل /status من جديد لعرض العروض الحالية.
offer-foreign = هذا العرض لا يخص حسابك.
offer-sending = جارٍ إرسال التعبئة…
offer-cancelled = أُلغي هذا التأكيد، ولم تُرسَل منه أي تعبئة.
offer-cannot-cancel = يجري إرسال هذا العرض بالفعل، ولم يعد ممكنًا إلغاؤه. ستظهر النتيجة في هذه الرسالة.
offer-cannot-cancel-sent = أُرسل هذا العرض بالفعل، فلم يعد ممكنًا إلغاؤه. تابِع حالته في رسالته.
offer-answer-sent = أُرسل هذا العرض بالفعل، ولن يُرسَل مرة ثانية.
offer-answer-sending = يجري إرسال هذا العرض بالفعل، وستظهر النتيجة في رسالته.
offer-answer-was-cancelled = أُلغي هذا التأكيد ولم يُرسَل منه شيء. اضغط على العرض من جديد لإرساله.
offer-answer-was-refused = رفضت OneClickDz هذا الإرسال، والسبب مذكور في الرسالة. اضغط على العرض من جديد لإعادة المحاولة.
offer-answer-was-withdrawn = لم يُرسَل هذا التأكيد: سُحب حق إعادة الإرسال ممن أكّده. يمكن لمن يملك حق إعادة الإرسال الضغط على العرض من جديد.
offer-sent-here =
    أُرسل هذا العرض بالفعل، ولن يُرسَل مرة ثانية. تظهر حالته في رسالة أخرى في هذه المحادثة تُحدَّث تلقائيًا، ويعرضها أيضًا /status مع هذا المرجع:
    <code>{ $ref }</code>
offer-sending-here =
    يجري إرسال هذا العرض بالفعل من رسالة أخرى في هذه المحادثة، وستظهر النتيجة فيها.
    <code>{ $ref }</code>
offer-sent-reply = أُرسل هذا العرض بالفعل، ولن يُرسَل مرة ثانية. تظهر حالته في الرسالة المقتبسة أعلاه، وهي التي تُحدَّث تلقائيًا.
offer-sending-reply = يجري إرسال هذا العرض بالفعل، وستظهر النتيجة في الرسالة المقتبسة أعلاه.
offer-sent-loading =
    أُرسل هذا العرض بالفعل، ولن يُرسَل مرة ثانية. ستعرض هذه الرسالة حالته بعد لحظات، وتُحدَّث تلقائيًا.
    <code>{ $ref }</code>
offer-insufficient-balance =
    رفضت OneClickDz التعبئة لأن رصيدك غير كافٍ، ولم يُنشأ أي طلب.
    المطلوب: { $required }
    المتاح: { $available }
offer-invalid = رفضت OneClickDz الطلب لأن أحد الحقول غير صالح: <code>{ $field }</code>. لم يُنشأ أي طلب.
offer-key-rejected = رفضت OneClickDz مفتاح API الخاص بهذا الحساب، فلم تستلم أي طلب. يُرجى إبلاغ صاحب الحساب (أو مسؤول البوت إن كان حساب البوت نفسه).
offer-key-unlinked =
    لم يُرسَل شيء: ألغى صاحب هذا الحساب ربط مفتاح OneClickDz الخاص به. بعد أن يربط مفتاحًا من جديد عبر /link، أرسل /status مع هذا المرجع لعرض جديد:
    <code>{ $ref }</code>
offer-withdrawn = لم تُرسَل: سُحب منك حق إعادة الإرسال قبل خروج التعبئة. لم تُرسَل أي تعبئة من هذا التأكيد، ولن تُرسَل لاحقًا.
offer-withdrawn-other = لم تُرسَل: من أكّد هذا الإرسال لم يعد يملك حق إعادة الإرسال على هذا الحساب. لم تُرسَل أي تعبئة من هذا التأكيد، ولن تُرسَل لاحقًا.
offer-key-wait =
    لم يُرسَل شيء. لتجنّب حظر OneClickDz للبوت، يجب التحقق من مفتاح هذا الحساب قبل استعماله (رُفض مفتاح لدى OneClickDz خلال الدقائق الأخيرة، أو لم يُتحقَّق من هذا المفتاح بعد)، ولا يمكن إجراء هذا التحقق قبل { $time }. بعد ذلك يرسله زر «تأكيد الإرسال» أدناه (مرة واحدة، بهذا المرجع):
    <code>{ $ref }</code>
offer-forbidden =
    رفضت OneClickDz الإرسال بالرمز <code>{ $code }</code>. تحقّق بـ /status مع هذا المرجع قبل إعادة الإرسال:
    <code>{ $ref }</code>
offer-uncertain =
    <b>لم يتأكّد الإرسال بعد.</b> لم تُجب OneClickDz بوضوح عن الإرسال، وقد يظهر الطلب لاحقًا.
    لا تُعِد إرسال هذه التعبئة من مكان آخر. يواصل البوت التحقق بالمرجع حتى { $time } على الأقل، وسيحدّث هذه الرسالة.
    <code>{ $ref }</code>
offer-not-created =
    بعد { $duration } من التحقق، ما زالت OneClickDz لا تعرف هذا المرجع، أي أن الطلب لم يُنشأ.
    يمكنك الضغط على «تأكيد الإرسال» لإعادة الإرسال بأمان: المرجع نفسه يمنع خصم المبلغ مرتين.
    <code>{ $ref }</code>
amount-ask =
    ردّ على هذه الرسالة بالمبلغ المطلوب لعرض { $name }، بين { $min } و{ $max }.
    للإلغاء أرسل /cancel
amount-ask-asker = هذا السؤال موجّه إلى { $user }، ولا يُقبل الجواب إلا منه.
amount-placeholder = المبلغ بالدينار، بين { $min } و{ $max }
amount-not-number = لا يحتوي ردّك على مبلغ. اكتب المبلغ بالأرقام فقط، بين { $min } و{ $max }.
amount-not-whole = المبلغ بالدينار دون كسور. اكتب عددًا صحيحًا بين { $min } و{ $max }.
amount-too-low = هذا المبلغ أقل من الحد الأدنى لهذا العرض، وهو { $min }.
amount-too-high = هذا المبلغ أكبر من الحد الأقصى لهذا العرض، وهو { $max }.
amount-try-again = ردّ على هذه الرسالة بمبلغ آخر، أو أرسل /cancel للإلغاء.
amount-fixed = مبلغ هذا العرض ثابت ولا يمكن تغييره.
amount-gave-up = أُغلق سؤال المبلغ بعد ثلاث إجابات غير صالحة، ولم يُرسَل شيء. اضغط «مبلغ آخر» من جديد للمحاولة.
amount-cancelled = أُلغي سؤال المبلغ، ولم يُرسَل شيء.
amount-cancelled-by-command = أُلغي سؤال المبلغ لأنك أرسلت أمرًا آخر، ولم يُرسَل شيء. اضغط «مبلغ آخر» من جديد متى شئت.
cancel-nothing = لا يوجد سؤال مفتوح لإلغائه.
amount-plans-loading = يجري تحميل قائمة العروض من OneClickDz. اضغط «مبلغ آخر» من جديد بعد لحظة.
