# flexybot — Arabic (default and reference locale).
# Every message is HTML (parse_mode HTML). String variables are escaped by the bot; numbers are only
# used to pick plural forms ($n), what is shown is a pre-formatted string ($nText, $max, ...).
# Each line that has visible text starts with an Arabic word (the line's direction follows its first
# letter); refs, ids and codes go alone on their own line inside <code>.

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
    لإيقاف إشعارات طلب: /unwatch ثم مرجعه
    لتغيير اللغة: /language
    لعرض هذه المساعدة: /help
    في المحادثة الخاصة مع البوت يكفي أن ترسل المرجع أو المعرّف وحده.

status-usage =
    أرسل مرجع الطلب أو معرّفه بعد الأمر، مثلًا:
    <code>/status order-123</code>

invalid-ref-too-long = هذا المرجع طويل جدًا: يجب ألّا يتجاوز عدد أحرفه { $max }.

invalid-ref-chars =
    يحتوي المرجع على رموز غير مسموح بها.
    المسموح به: الحروف والأرقام والرموز <code>- _ . + : @</code>

invalid-ref-empty = المرجع فارغ. أرسل مرجع الطلب أو معرّفه.

status-looking-up =
    جارٍ البحث عن الطلب لدى OneClickDz…
    <code>{ $query }</code>

status-not-found =
    لا يعرف OneClickDz (حتى الآن) هذا المرجع أو المعرّف في حسابك:
    <code>{ $query }</code>
    قد يستغرق ظهور طلب أُرسل قبل لحظات بعض الوقت. تحقّق من المرجع، ثم ابحث من جديد بعد دقيقة بإرسال:
    <code>/status { $query }</code>

status-provider-down =
    تعذّر الاتصال بـ OneClickDz للتحقق من:
    <code>{ $query }</code>
    أعد المحاولة بعد بضع دقائق.

status-provider-auth =
    رفضت OneClickDz مفتاح API الخاص بحساب البوت، فلا يمكن التحقق من الطلبات الآن.
    على مسؤول البوت إصلاح المفتاح؛ يعيد البوت فحصه تلقائيًا ثم يستأنف المتابعة.

status-no-account = لم يُضبط أي حساب OneClickDz لهذا البوت. يُرجى إبلاغ مسؤول البوت.

access-denied =
    عذرًا، هذا البوت مخصّص لمستخدمين محدّدين.
    إذا كنت بحاجة إلى استعماله، أرسل هذا المعرّف إلى مسؤول البوت:
    <code>{ $userId }</code>

access-denied-short = عذرًا، هذا البوت مخصّص لمستخدمين محدّدين.

## Command menu (setMyCommands)

command-status = متابعة طلب شحن بمرجعه أو معرّفه
command-language = تغيير لغة البوت
command-pending = الطلبات التي لم تُحسم بعد
command-unwatch = إيقاف إشعارات طلب
command-help = طريقة الاستعمال

language-choose = اختر لغة البوت في هذه المحادثة:
language-set = تم ضبط اللغة على العربية.
language-name-ar = العربية
language-name-fr = Français
language-name-en = English

error-generic = حدث خطأ ما، ولم يتغيّر أي شيء. أعد المحاولة.

## Durations (fragments placed inside a sentence, e.g. order-line-elapsed)

duration-seconds =
    { $n ->
        [0] أقل من ثانية
        [one] ثانية واحدة
        [two] ثانيتان
        [few] { $nText } ثوانٍ
        [many] { $nText } ثانية
       *[other] { $nText } ثانية
    }
duration-minutes =
    { $n ->
        [one] دقيقة واحدة
        [two] دقيقتان
        [few] { $nText } دقائق
        [many] { $nText } دقيقة
       *[other] { $nText } دقيقة
    }
duration-hours =
    { $n ->
        [one] ساعة واحدة
        [two] ساعتان
        [few] { $nText } ساعات
        [many] { $nText } ساعة
       *[other] { $nText } ساعة
    }
duration-days =
    { $n ->
        [one] يوم واحد
        [two] يومان
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

order-refunded-note = لم تصل التعبئة، وأعادت OneClickDz المبلغ إلى رصيدك. يمكنك الآن إرجاع المبلغ لعميلك.
order-verifying-note =
    تتحقق OneClickDz من هذه العملية، وعادةً ما يُحسم ذلك خلال 1 إلى 24 ساعة.
    <b>لا تُرجع المبلغ لعميلك ولا تُعِد إرسال التعبئة الآن</b>، فقد تكون التعبئة قد وصلت فعلًا. سيرسل لك البوت رسالة جديدة عند صدور النتيجة.
order-queued-note =
    هذا الطلب مجدول: ستعالجه OneClickDz خلال 12 إلى 48 ساعة.
    هذا أمر عادي، والطلب لم يُلغَ. سيرسل لك البوت رسالة جديدة عند معالجته.
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
order-label-card-code = رمز البطاقة (انسخه وأرسله إلى عميلك):
order-line-num-trans = رقم المعاملة: <code>{ $numTrans }</code>
order-line-processed-at = تاريخ المعالجة: { $date }

## Order status: tracking

order-line-elapsed = مضى على إنشاء الطلب: { $duration }
order-still-processing = لا يزال الطلب قيد المعالجة. يواصل البوت التحقق منه وسيرسل لك رسالة عند حسمه.
order-tracking-stopped = توقّف البوت عن متابعة هذا الطلب تلقائيًا. أرسل /status مع المرجع للتحقق منه من جديد.
order-expired-customer = ما تقوله لزبونك: الطلب ما زال قيد التحقق لدى OneClickDz. لا تُرجع المبلغ ولا تُعِد الإرسال قبل أن تؤكّد OneClickDz النتيجة.
order-expired-support = اطلب من دعم OneClickDz حسم هذا الطلب، وأعطهم المرجع والمعرّف أعلاه وتاريخ إنشائه: { $created }

## Long tail: buttons, /pending, /unwatch

button-mute = أوقف الإشعارات 🔕
mute-done = لن تصلك إشعارات أخرى عن هذا الطلب في هذه المحادثة.
mute-stale = هذا الزر لم يعد صالحًا.
unwatch-usage =
    اكتب مرجع الطلب أو معرّفه بعد الأمر، مثلًا:
    <code>/unwatch order-123</code>
unwatch-done =
    أوقفتُ إشعارات هذا الطلب في هذه المحادثة:
    <code>{ $query }</code>
unwatch-not-found =
    هذه المحادثة لا تتابع أي طلب بهذا المرجع:
    <code>{ $query }</code>
pending-empty = لا توجد طلبات قيد المتابعة في هذه المحادثة.
pending-header = الطلبات التي لم تُحسم بعد ({ $count }):
pending-searching = جارٍ البحث عن الطلب
pending-age = أُنشئ منذ { $age }
pending-next-check = الفحص القادم: { $time }

order-line-last-checked = آخر تحقق: { $time }
order-provider-parked = ترفض OneClickDz حساب البوت حاليًا (رُفض مفتاحه أو حُظر الوصول)، فتوقفت المتابعة مؤقتًا وقد لا تكون هذه الحالة محدّثة. على مسؤول البوت إصلاح ذلك؛ تُستأنف المتابعة تلقائيًا بعده.
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
    اضغط «تأكيد الإرسال» لإرسال هذا الشحن مرة واحدة فقط.
offer-loading = جارٍ التحميل…
offer-balance-unknown = غير متاح الآن
offer-read-only = مفتاح API لهذا الحساب للقراءة فقط (READ-ONLY)، لذلك لا يستطيع البوت إرسال أي شحن. اطلب من المسؤول مفتاحًا بصلاحية READ-WRITE.
offer-expired = هذا العرض منتهي الصلاحية أو غير صالح. أرسل /status من جديد لعرض العروض الحالية.
offer-foreign = هذا العرض لا يخص حسابك.
offer-sending = جارٍ إرسال الشحن…
offer-cancelled = أُلغي الإرسال، ولم يُرسل أي شيء.
offer-cannot-cancel = يجري إرسال هذا العرض بالفعل، ولم يعد ممكنًا إلغاؤه. ستظهر النتيجة في الرسالة.
offer-insufficient-balance =
    رفض OneClickDz الشحن لأن رصيدك غير كافٍ، ولم يُنشأ أي طلب.
    المطلوب: { $required }
    المتاح: { $available }
offer-invalid = رفض OneClickDz الطلب لأن أحد الحقول غير صالح: <code>{ $field }</code>. لم يُنشأ أي طلب.
offer-key-rejected = رفض OneClickDz مفتاح API الخاص بالبوت، فلم يستلم أي طلب. يُرجى إبلاغ مسؤول البوت.
offer-forbidden =
    رفض OneClickDz الإرسال بالرمز <code>{ $code }</code>. تحقّق بـ /status مع هذا المرجع قبل إعادة الإرسال:
    <code>{ $ref }</code>
offer-uncertain =
    <b>لم يُؤكَّد بعد.</b> لم يُجب OneClickDz عن الإرسال بوضوح، وقد يظهر الطلب لاحقًا.
    لا تُعِد إرسال هذا الشحن من مكان آخر. يواصل البوت التحقق بالمرجع حتى { $time } على الأقل، وسيحدّث هذه الرسالة.
    <code>{ $ref }</code>
offer-not-created =
    ما زال OneClickDz لا يعرف هذا المرجع بعد { $duration } من التحقق، أي أن الطلب لم يُنشأ.
    يمكنك الضغط على «تأكيد الإرسال» لإرساله من جديد بأمان: المرجع نفسه يمنع الخصم مرتين.
    <code>{ $ref }</code>
amount-ask = أرسل المبلغ بالدينار لعرض { $name }، بين { $min } و{ $max }.
amount-invalid = هذا المبلغ غير مقبول. أرسل عددًا صحيحًا بين { $min } و{ $max }.
amount-fixed = مبلغ هذا العرض ثابت ولا يمكن تغييره.
amount-gave-up = أُلغي تغيير المبلغ. اضغط على العرض من جديد للمحاولة.
amount-plans-loading = يجري تحميل قائمة العروض من OneClickDz. اضغط «مبلغ آخر» من جديد بعد لحظة.
